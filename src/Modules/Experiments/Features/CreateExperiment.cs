using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Aibench.Contracts.Client;
using Aibench.Contracts.Experiments;
using Aibench.Contracts.Server;
using Aibench.Experiments.Jobs;
using Aibench.Experiments.Persistence;
using Aibench.Experiments.Planning;
using Aibench.Shared.References;
using Aibench.Shared.Text;
using FluentValidation;
using Hangfire;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Experiments.Features;

/// <summary>
/// Start an experiment: deploy <paramref name="Recipe"/> on <paramref name="Nodes"/> nodes, put it under the load of
/// <paramref name="TestType"/> for <paramref name="Duration"/>, keep the results and stop the service. Everything is
/// checked (by the Server and Client modules too) before anything is written or submitted.
/// </summary>
/// <param name="Recipe">Recipe to deploy, e.g. <c>vllm-sim</c>.</param>
/// <param name="Nodes">Node count; the recipe's when omitted.</param>
/// <param name="TestType"><c>throughput</c>, <c>latency</c>, <c>stress</c>, <c>soak</c>, <c>sweep</c> or <c>capacity</c>.</param>
/// <param name="Duration">Measured load in all, e.g. <c>10m</c> (a capacity test's time budget); the test type's preset when omitted.</param>
/// <param name="Parameters">Values for the recipe's parameters.</param>
/// <param name="Load">Advanced load options, each replacing the test type's preset.</param>
/// <param name="Slo">Objectives and limits the result is judged by.</param>
/// <param name="Warmup">Warm-up before the measured load, e.g. <c>30s</c>; <c>0s</c> skips it.</param>
/// <param name="ReadyTimeout">How long the service may take to be ready, queue time included.</param>
/// <param name="KeepService">Leave the service running at the end (a cancel still stops it).</param>
/// <param name="Name">A label; made from the test type, recipe and nodes when omitted.</param>
/// <param name="References">
/// Figures checked against references when it ends (<c>{"throughput": {"value": 1200, "lower": "-5%"}}</c>); a figure
/// without a value is compared with the last passing experiment of the same recipe, nodes, parameters and test type.
/// </param>
/// <param name="Id">
/// The id the experiment gets, chosen by the caller (a campaign) so that a repeated request is harmless: an experiment
/// with this id is answered as it is and nothing new is deployed. A new id when omitted.
/// </param>
/// <param name="Capacity">How a capacity test searches (start rate, tolerance, requests per probe, settling period); defaults when omitted.</param>
/// <param name="Restart">
/// The service's restart policy, instead of the recipe's. A restart during the warm-up or the measured load interrupts
/// that stage; it runs again from the start once the service is ready (never reported half-measured as whole).
/// </param>
public sealed record CreateExperiment(
    string? Recipe,
    int? Nodes = null,
    string? TestType = null,
    string? Duration = null,
    IReadOnlyDictionary<string, JsonElement>? Parameters = null,
    ExperimentLoad? Load = null,
    ExperimentSlo? Slo = null,
    string? Warmup = null,
    string? ReadyTimeout = null,
    bool KeepService = false,
    string? Name = null,
    RestartPolicy? Restart = null,
    ExperimentCapacity? Capacity = null,
    IReadOnlyDictionary<string, ReferenceBound>? References = null,
    Guid? Id = null) : ICommand<ExperimentSummary>
{
    /// <summary>
    /// The job array its service is a task of: set by a campaign for its elements of one shape, never read from a request
    /// body (an array is a campaign's to make, whole).
    /// </summary>
    [JsonIgnore]
    public ServiceArray? Array { get; init; }
}

internal sealed class CreateExperimentValidator : AbstractValidator<CreateExperiment>
{
    public CreateExperimentValidator()
    {
        RuleFor(c => c.Recipe).NotEmpty().WithMessage("'recipe' is required: a recipe name, see GET /api/v1/recipes.").OverridePropertyName("recipe");
        RuleFor(c => c.Nodes).GreaterThanOrEqualTo(1).When(c => c.Nodes is not null)
            .WithMessage("'nodes' must be at least 1.").OverridePropertyName("nodes");
        RuleFor(c => c.TestType).Must(t => t is not null && TestTypes.All.Contains(t))
            .WithMessage(c => $"'testType' must be one of {string.Join(", ", TestTypes.All)}{(c.TestType is null ? "" : $", not '{c.TestType}'")}.")
            .OverridePropertyName("testType");
        RuleFor(c => c.Duration).Must(d => Shared.Text.Duration.TryParse(d, out var v) && v >= TimeSpan.FromSeconds(1) && v <= TimeSpan.FromDays(7))
            .When(c => c.Duration is not null)
            .WithMessage(c => $"'duration' must be a duration from 1s to 7d like 10m, not '{c.Duration}'.").OverridePropertyName("duration");
        RuleFor(c => c.Warmup).Must(d => Shared.Text.Duration.TryParse(d, out var v) && v <= TimeSpan.FromHours(1))
            .When(c => c.Warmup is not null)
            .WithMessage(c => $"'warmup' must be a duration up to 1h like 30s (0s for none), not '{c.Warmup}'.").OverridePropertyName("warmup");
        RuleFor(c => c.ReadyTimeout).Must(d => Shared.Text.Duration.TryParse(d, out var v) && v >= TimeSpan.FromSeconds(10) && v
            <= TimeSpan.FromDays(7))
            .When(c => c.ReadyTimeout is not null)
            .WithMessage(c => $"'readyTimeout' must be a duration from 10s to 7d like 30m, not '{c.ReadyTimeout}'.")
                .OverridePropertyName("readyTimeout");
        RuleFor(c => c.Name).Must(n => n is null || (n.Length is > 0 and <= 256 && !n.Any(char.IsControl)))
            .WithMessage("'name' must be 1 to 256 characters without control characters.").OverridePropertyName("name");
        RuleFor(c => c.Slo!.Target).Must(t => t is null || (t > 0 && t <= 1)).When(c => c.Slo is not null)
            .WithMessage("'slo.target' must be a share above 0 and at most 1, e.g. 0.9.").OverridePropertyName("slo.target");
        RuleFor(c => c.Slo!.MaxErrorRate).Must(t => t is null || (t >= 0 && t <= 1)).When(c => c.Slo is not null)
            .WithMessage("'slo.maxErrorRate' must be a share from 0 to 1, e.g. 0.05.").OverridePropertyName("slo.maxErrorRate");
        RuleFor(c => c.References).Custom((references, context) =>
        {
            foreach (var (field, message) in ReferenceJudge.Validate(references, "references", baselineAllowed: true))
            {
                context.AddFailure(field, message);
            }

            if (references?.ContainsKey("capacity") == true && context.InstanceToValidate.TestType != TestTypes.Capacity)
            {
                context.AddFailure("references.capacity", "references.capacity: only a capacity test measures a capacity.");
            }
        });
        RuleFor(c => c.Capacity).Null().When(c => c.TestType != TestTypes.Capacity)
            .WithMessage(c => $"capacity: only a capacity test searches; this is a {c.TestType} test.").OverridePropertyName("capacity");
        RuleFor(c => c.Slo).Must(s => s is { HasLatency: true }).When(c => c.TestType == TestTypes.Capacity)
            .WithMessage("slo: a capacity test needs at least one objective (slo.ttft, slo.tpot, slo.itl or slo.e2e): capacity is the load at "
                + "which they hold.")
            .OverridePropertyName("slo");
        When(c => c.Capacity is not null, () =>
        {
            RuleFor(c => c.Capacity!.Mode).Must(m => m is null or ExperimentCapacity.RateMode or ExperimentCapacity.ConcurrencyMode)
                .OverridePropertyName("capacity.mode")
                .WithMessage(c => $"capacity.mode: '{c.Capacity!.Mode}' is not rate (open loop, req/s) or concurrency (closed loop, in flight).");
            RuleFor(c => c.Capacity!).Must(k => k.Start is not { } s || (s == Math.Floor(s) && s >= 1))
                .When(c => c.Capacity!.Closed).OverridePropertyName("capacity.start")
                .WithMessage(c => $"capacity.start: {c.Capacity!.Start} is not a whole number of requests in flight (capacity.mode concurrency).");
            RuleFor(c => c.Capacity!).Must(k => k.MaxRate is not { } m || (m == Math.Floor(m) && m >= 1))
                .When(c => c.Capacity!.Closed).OverridePropertyName("capacity.maxRate")
                .WithMessage(c => $"capacity.maxRate: {c.Capacity!.MaxRate} is not a whole number of requests in flight "
                    + $"(capacity.mode concurrency).");
            RuleFor(c => c.Capacity!.Start).GreaterThan(0).When(c => c.Capacity!.Start is not null).OverridePropertyName("capacity.start")
                .WithMessage(c => $"capacity.start: {c.Capacity!.Start} is not a positive request rate.");
            RuleFor(c => c.Capacity!.MaxRate).GreaterThan(0).LessThanOrEqualTo(ExperimentCapacity.HighestRate)
                .When(c => c.Capacity!.MaxRate is not null).OverridePropertyName("capacity.maxRate")
                .WithMessage(c => $"capacity.maxRate: {c.Capacity!.MaxRate} is not a request rate above 0 and at most "
                    + $"{ExperimentCapacity.HighestRate}.");
            RuleFor(c => c.Capacity!).Must(k => k.Start is null || k.Start <= (k.MaxRate ?? ExperimentCapacity.DefaultMaxRate))
                .WithMessage(c => $"capacity.start ({c.Capacity!.Start}) is above capacity.maxRate "
                    + $"({c.Capacity.MaxRate ?? ExperimentCapacity.DefaultMaxRate}).")
                .OverridePropertyName("capacity.start");
            RuleFor(c => c.Capacity!.Tolerance).InclusiveBetween(0.005, 0.5).When(c => c.Capacity!.Tolerance is not null)
                .OverridePropertyName("capacity.tolerance")
                .WithMessage(c => $"capacity.tolerance: {c.Capacity!.Tolerance} is not a share between 0.005 and 0.5 (0.05 is ±5 %).");
            RuleFor(c => c.Capacity!.MinRequests).InclusiveBetween(10, 1_000_000).When(c => c.Capacity!.MinRequests is not null)
                .OverridePropertyName("capacity.minRequests")
                .WithMessage(c => $"capacity.minRequests: {c.Capacity!.MinRequests} is not between 10 and 1000000.");
            RuleFor(c => c.Capacity!.Repeats).InclusiveBetween(1, 10).When(c => c.Capacity!.Repeats is not null)
                .OverridePropertyName("capacity.repeats").WithMessage(c => $"capacity.repeats: {c.Capacity!.Repeats} is not between 1 and 10.");
            RuleFor(c => c.Capacity!.Settle).Must(d => Shared.Text.Duration.TryParse(d, out var v) && v <= TimeSpan.FromMinutes(10))
                .When(c => c.Capacity!.Settle is not null).OverridePropertyName("capacity.settle")
                .WithMessage(c => $"capacity.settle: '{c.Capacity!.Settle}' is not a duration between 0s and 10m.");
        });
        RuleFor(c => c).Custom((c, context) =>
        {
            if (c.Load is null || c.TestType is null || !TestTypes.All.Contains(c.TestType)) return;
            var used = TestTypes.ShapeFields(c.TestType);
            foreach (var (field, given) in Given(c.Load).Where(g => g.Given && !used.Contains(g.Field)))
            {
                context.AddFailure($"load.{field}",
                    $"A {c.TestType} test does not use load.{field}; its load options are {string.Join(", ", used.Select(u => $"load.{u}"))} (and "
                        + $"dataset, api, stream, model, timeout, seed).");
            }

            if (c.Load.Rates is { Count: > 0 } && c.Load.Concurrencies is { Count: > 0 })
            {
                context.AddFailure("load.rates", "A sweep steps through load.rates or load.concurrencies, not both.");
            }
        });
    }

    private static IEnumerable<(string Field, bool Given)> Given(ExperimentLoad l) =>
    [
        ("concurrency", l.Concurrency is not null), ("rate", l.Rate is not null), ("from", l.From is not null), ("to", l.To is not null),
        ("rates", l.Rates is not null), ("concurrencies", l.Concurrencies is not null), ("arrival", l.Arrival is not null),
        ("burstiness", l.Burstiness is not null), ("maxInFlight", l.MaxInFlight is not null),
    ];
}

internal sealed class CreateExperimentHandler(
    ExperimentDrafter drafter,
    IDbContextFactory<ExperimentsDbContext> dbFactory,
    ISender sender,
    IPublisher publisher,
    IBackgroundJobClient jobs,
    TimeProvider time) : ICommandHandler<CreateExperiment, ExperimentSummary>
{
    public async ValueTask<ExperimentSummary> Handle(CreateExperiment command, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (command.Id is { } requested
            && await db.Experiments.AsNoTracking().SingleOrDefaultAsync(e => e.Id == requested, cancellationToken) is { } known)
        {
            return ExperimentSummary.Of(known);
        }

        var draft = await drafter.DraftAsync(command, cancellationToken);
        var now = time.GetUtcNow();
        var references = command.References is { Count: > 0 } bounds
            ? await Baselines.ResolveAsync(db, bounds, draft, cancellationToken)
            : null;
        var experiment = new Experiment
        {
            Id = command.Id ?? Guid.CreateVersion7(now),
            Name = draft.Name,
            Recipe = draft.Deployment.Recipe,
            Nodes = draft.Deployment.Nodes,
            TestType = draft.TestType,
            DurationSeconds = draft.DurationSeconds,
            Stage = ExperimentStage.Deploying,
            Status = ExperimentStatus.Running,
            ServiceId = Guid.CreateVersion7(now),
            CreatedAt = now,
            UpdatedAt = now,
            Parameters = ExperimentDrafter.ParametersJson(draft),
            Spec = ExperimentWorkflow.ToJson(draft.Load),
            Slo = ExperimentWorkflow.ToJson(draft.Slo),
            WarmupSeconds = draft.WarmupSeconds,
            ReadyTimeoutSeconds = draft.ReadyTimeoutSeconds,
            TimeLimitMinutes = draft.Deployment.TimeLimitMinutes,
            KeepService = draft.KeepService,
            Capacity = draft.Capacity is { } capacity
                ? ExperimentWorkflow.ToJson(new CapacitySearch(capacity, draft.Slo.Target ?? ExperimentSlo.DefaultTarget,
                    draft.Slo.MaxErrorRate ?? ExperimentSlo.DefaultMaxErrorRate, []))
                : null,
            References = references is null ? null : ExperimentWorkflow.ToJson(references),
        };
        experiment.Stages.Add(new ExperimentStageRecord { ExperimentId = experiment.Id, Stage = ExperimentStage.Deploying, StartedAt = now });
        db.Experiments.Add(experiment);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException) when (command.Id is { } id)
        {
            // The same id asked for twice at once (a campaign's passes overlapping): the first one made it, and is the answer.
            db.ChangeTracker.Clear();
            return ExperimentSummary.Of(await db.Experiments.AsNoTracking().SingleAsync(e => e.Id == id, cancellationToken));
        }

        try
        {
            // Deployed here rather than by the workflow, so that secret parameter values are handed to the Server
            // module once and never stored by this one.
            // Not cancelled half-way by a client that hangs up: a job submitted must have its experiment.
            // The experiment's id goes with it: Monitor and Logs learn it from the Server module, never by asking this one.
            await sender.Send(new DeployService(command.Recipe, command.Nodes, command.Parameters, experiment.ServiceId,
                draft.Deployment.TimeLimitMinutes, command.Restart,
                experiment.Id, command.Array), CancellationToken.None);
        }
        catch
        {
            // Nothing half-written: no experiment without its service, and no service without its experiment (the
            // Server module may have committed it before something later failed).
            if (await sender.Send(new GetServiceStatus(experiment.ServiceId!.Value), CancellationToken.None) is null)
            {
                db.Experiments.Remove(experiment);
                await db.SaveChangesAsync(CancellationToken.None);
                throw;
            }
        }

        await publisher.Publish(new ExperimentChanged(experiment.Id, experiment.Stage, experiment.Status, null, experiment.ServiceId, null, now),
            cancellationToken);
        jobs.Enqueue<AdvanceExperimentsJob>(j => j.RunOneAsync(experiment.Id, CancellationToken.None));
        return ExperimentSummary.Of(experiment);
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapPost("/experiments", async Task<Created<ExperimentSummary>> (CreateExperiment command, ISender sender, CancellationToken ct) =>
            {
                var created = await sender.Send(command, ct);
                return TypedResults.Created(string.Create(CultureInfo.InvariantCulture, $"/api/v1/experiments/{created.Id}"), created);
            })
            .WithName("CreateExperiment")
            .WithSummary("Start an experiment: { recipe, nodes, testType, duration, parameters{}, load{}, slo{}, warmup, readyTimeout, "
                + "keepService } → 201.")
            .ProducesValidationProblem();
}
