using System.Text.Json;
using Aibench.Contracts.Client;
using Aibench.Contracts.Server;
using Aibench.Experiments.Features;
using Aibench.Shared.Text;
using FluentValidation;
using FluentValidation.Results;
using Mediator;

namespace Aibench.Experiments.Planning;

/// <summary>What an experiment will submit and run, checked by the modules that will carry it out, before anything is written.</summary>
/// <param name="Name">The experiment's name.</param>
/// <param name="TestType">Its test type.</param>
/// <param name="Deployment">What the scheduler is asked for: nodes, tasks, GPUs, time limit, parameter values.</param>
/// <param name="Load">The measured load run, as the Client module gets it (service and experiment filled in at start).</param>
/// <param name="Warmup">The warm-up run before it; null when the warm-up is 0.</param>
/// <param name="Plan">The load's steps and their length.</param>
/// <param name="Slo">Objectives and limits it is judged by.</param>
/// <param name="DurationSeconds">Seconds of measured load in all.</param>
/// <param name="WarmupSeconds">Seconds of warm-up.</param>
/// <param name="ReadyTimeoutSeconds">How long the service may take to be ready, queue time included, before the experiment fails.</param>
/// <param name="KeepService">Whether the service stays up once the experiment ends.</param>
/// <param name="Capacity">A capacity test's search settings, defaults filled in; <paramref name="Load"/> is then its first probe.</param>
public sealed record ExperimentPreview(
    string Name,
    string TestType,
    DeploymentPreview Deployment,
    BenchmarkSpec Load,
    BenchmarkSpec? Warmup,
    BenchmarkPlan Plan,
    ExperimentSlo Slo,
    int DurationSeconds,
    int WarmupSeconds,
    int ReadyTimeoutSeconds,
    bool KeepService,
    ExperimentCapacity? Capacity = null);

/// <summary>Turns a <see cref="CreateExperiment"/> into an <see cref="ExperimentPreview"/>; every problem is a validation error naming its
/// field.</summary>
internal sealed class ExperimentDrafter(ISender sender, ExperimentsSettings settings, TimeProvider time)
{
    /// <summary>Added to the time a job needs, for the scheduler's and the host's own delays.</summary>
    private static readonly TimeSpan Margin = TimeSpan.FromMinutes(5);

    public async Task<ExperimentPreview> DraftAsync(CreateExperiment c, CancellationToken ct)
    {
        var type = c.TestType!;
        var duration = Duration.TryParse(c.Duration, out var d) ? d : TestTypes.DefaultDuration(type);
        var warmup = Duration.TryParse(c.Warmup, out var w) ? w : settings.Warmup;
        var readyTimeout = Duration.TryParse(c.ReadyTimeout, out var r) ? r : settings.ReadyTimeout;
        var slo = c.Slo ?? new ExperimentSlo();
        if (type == TestTypes.Stress && !slo.HasLatency)
        {
            slo = slo with { Ttft = TestTypes.StressSlo.Ttft };
        }

        var deployment = new DeployService(c.Recipe, c.Nodes, c.Parameters, Restart: c.Restart);
        var found = await sender.Send(new PreviewDeployment(deployment), ct);
        // The start time (UTC) tells two runs of one setup apart in lists, charts' legends and the compare page.
        var name = c.Name ?? $"{type} · {found.Recipe} · {found.Nodes} node{(found.Nodes == 1 ? "" : "s")} · "
            + time.GetUtcNow().ToString("MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);
        var load = TestTypes.Spec(name, type, c.Load, slo, found.Replicas, duration);
        var capacity = type == TestTypes.Capacity ? CapacitySearch.Begin(c.Capacity ?? new ExperimentCapacity(), slo, found.Replicas) : null;
        if (capacity is not null)
        {
            var first = capacity.ProbeSeconds(capacity.Settings.Start!.Value);
            if (first > duration.TotalSeconds)
            {
                throw new ValidationException([new ValidationFailure("duration",
                    string.Create(System.Globalization.CultureInfo.InvariantCulture,
                        $"duration: a capacity test's budget ({duration.TotalSeconds:0} s) is "
                        + $"shorter than its first probe ({first:0} s: the settling period and capacity.minRequests at capacity.start)."))]);
            }

            // What is stored and checked is the first probe; every later one differs only in its rate and request count.
            load = capacity.ProbeSpec(load, capacity.Settings.Start!.Value, 1) with { Name = name };
        }

        if (load.Load is { Kind: "ramp" } ramp && ramp.To <= ramp.From)
        {
            throw new ValidationException([new
                ValidationFailure("load.to", $"load.to ({ramp.To}) must be above load.from ({ramp.From}): a stress test ramps up.")]);
        }

        var plan = await CheckAsync(load, ct);
        if (load.Placement is { Kind: "slurm", Nodes: var workerNodes })
        {
            // The Server module refuses a worker job over the site's node limit; said now, not after the deploy and warm-up.
            var maxNodes = (await sender.Send(new ListRecipeOptions(), ct)).MaxNodes;
            if (workerNodes > maxNodes)
            {
                throw new ValidationException([new ValidationFailure("load.placement.nodes",
                    $"load.placement.nodes must be between 1 and {maxNodes} (Server:MaxNodes), not {workerNodes}.")]);
            }
        }
        var warmupSpec = warmup > TimeSpan.Zero ? TestTypes.Warmup(load, found.Replicas, warmup) : null;

        // The job lives from its start to the service's stop: readiness, warm-up, load, the drain of the last
        // requests and the collection pause. A shorter limit than the recipe's gets through the queue sooner; a kept
        // service keeps at least the recipe's.
        var drain = Duration.TryParse(load.Timeout, out var t) ? TimeSpan.FromTicks(Math.Min(t.Ticks, TimeSpan.FromMinutes(10).Ticks))
            : TimeSpan.Zero;
        // A capacity search sends for as long as its budget (the duration) allows, and drains after each probe.
        var loading = capacity is null ? TimeSpan.FromSeconds(TestTypes.LoadSeconds(load)) : duration + (drain * 4);
        var needed = TimeSpan.FromSeconds(found.ReadinessTimeoutSeconds) + warmup + loading + drain + settings.CollectDelay + Margin;
        var minutes = (int)Math.Ceiling(needed.TotalMinutes);
        int? limit = c.KeepService ? (found.RecipeTimeLimitMinutes is { } own ? Math.Max(own, minutes) : null) : minutes;
        var final = limit is null ? found : await sender.Send(new PreviewDeployment(deployment with { TimeLimitMinutes = limit }), ct);

        return new ExperimentPreview(name, type, final, load, warmupSpec, plan, slo, (int)duration.TotalSeconds, (int)warmup.TotalSeconds,
            (int)readyTimeout.TotalSeconds, c.KeepService, capacity?.Settings);
    }

    /// <summary>The Client module's own check of the load; its field names are put under <c>load.</c> where the experiment has them there.</summary>
    private async Task<BenchmarkPlan> CheckAsync(BenchmarkSpec load, CancellationToken ct)
    {
        try
        {
            // The service does not exist yet; any id satisfies the check, which never looks it up.
            return await sender.Send(new CheckBenchmark(load with { Service = Guid.Empty }), ct);
        }
        catch (ValidationException e)
        {
            throw new ValidationException(e.Errors.Select(f => new ValidationFailure(
                f.PropertyName is "duration" or "name" || f.PropertyName.StartsWith("load.", StringComparison.Ordinal)
                    || f.PropertyName.StartsWith("slo", StringComparison.Ordinal)
                    ? f.PropertyName
                    : $"load.{f.PropertyName}",
                f.ErrorMessage)));
        }
    }

    /// <summary>The parameter values as the experiment shows them (secret ones masked by the Server module).</summary>
    public static string ParametersJson(ExperimentPreview preview) => JsonSerializer.Serialize(preview.Deployment.Parameters);
}
