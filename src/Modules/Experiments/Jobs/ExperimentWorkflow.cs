using System.Collections.Concurrent;
using System.Text.Json;
using Aibench.Contracts;
using Aibench.Contracts.Client;
using Aibench.Contracts.Experiments;
using Aibench.Contracts.Monitor;
using Aibench.Contracts.Server;
using Aibench.Experiments.Persistence;
using Aibench.Experiments.Planning;
using Aibench.Shared.Api;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Aibench.Experiments.Jobs;

/// <summary>
/// The experiment state machine. Each call reads the experiment afresh, does what its stage needs now and stores
/// the outcome; nothing is kept in memory between calls, so the recurring <c>experiments:advance</c> carries on after
/// a restart from the database alone. Every step is safe to repeat: the service and run ids are stored before the
/// Server and Client modules are asked to create them, and both answer a repeated id with what they made the first
/// time. Waiting never blocks: a stage that is not done returns and is looked at again on the next poll or
/// notification.
/// </summary>
internal sealed class ExperimentWorkflow(
    IDbContextFactory<ExperimentsDbContext> dbFactory,
    ISender sender,
    IPublisher publisher,
    ExperimentsSettings settings,
    TimeProvider time,
    ILogger<ExperimentWorkflow> logger)
{
    /// <summary>Load runs cut short by host restarts before the experiment gives up.</summary>
    private const int MaxLoadAttempts = 3;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _gates = new();

    /// <summary>This host process. A load run started by another one was cut short by a restart.</summary>
    public Guid Instance { get; } = Guid.NewGuid();

    public static string ToJson<T>(T value) => JsonSerializer.Serialize(value, Json);

    public static T FromJson<T>(string json) => JsonSerializer.Deserialize<T>(json, Json)!;

    /// <summary>Moves one experiment on as far as it can go now.</summary>
    public async Task AdvanceAsync(Guid id, CancellationToken cancellationToken)
    {
        // Polls, notifications and a cancel may all arrive at once; one step at a time per experiment.
        var gate = _gates.GetOrAdd(id, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            // A stage that ends at once hands over to the next in the same call (bounded, in case of a bug).
            for (var pass = 0; pass < 16; pass++)
            {
                await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
                var e = await db.Experiments.Include(x => x.Stages).SingleOrDefaultAsync(x => x.Id == id, cancellationToken);
                if (e is null || e.Status != ExperimentStatus.Running)
                {
                    return;
                }

                var before = (e.Stage, e.Reason, e.AbortReason, e.CancelRequested);
                await StepAsync(db, e, cancellationToken);
                await db.SaveChangesAsync(cancellationToken);
                if ((e.Stage, e.Reason) != (before.Stage, before.Reason))
                {
                    await PublishAsync(e, cancellationToken);
                }

                if ((e.Stage, e.AbortReason, e.CancelRequested) == (before.Stage, before.AbortReason, before.CancelRequested))
                {
                    return;
                }
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task PublishAsync(Experiment e, CancellationToken ct)
    {
        try
        {
            await publisher.Publish(new ExperimentChanged(e.Id, e.Stage, e.Status, e.Reason, e.ServiceId, e.BenchmarkId, e.UpdatedAt), ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Live views are advisory: the change is stored, and a failing subscriber must not stop the workflow.
            logger.LogWarning(ex, "ExperimentChanged for {Id} not delivered", e.Id);
        }

        // Its end, once: the next pass finds the experiment no longer running and returns before publishing anything.
        if (e.Status != ExperimentStatus.Running)
        {
            await ExperimentEnd.PublishAsync(publisher, e, logger, ct);
        }
    }

    private async Task StepAsync(ExperimentsDbContext db, Experiment e, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (e.CancelRequested || e.AbortReason is not null)
        {
            await WindDownAsync(e, now, ct);
            return;
        }

        switch (e.Stage)
        {
            case ExperimentStage.Pending:
                Enter(e, ExperimentStage.Deploying, now);
                break;
            case ExperimentStage.Deploying:
                await DeployAsync(e, now, ct);
                break;
            case ExperimentStage.Waiting:
                await WaitForReadyAsync(e, now, ct);
                break;
            case ExperimentStage.Warmup:
                await WarmUpAsync(db, e, now, ct);
                break;
            case ExperimentStage.Loading:
                await LoadAsync(db, e, now, ct);
                break;
            case ExperimentStage.Collecting:
                await CollectAsync(e, now, ct);
                break;
            case ExperimentStage.Stopping:
                await StopAsync(e, now, ct);
                break;
            case ExperimentStage.Summarising:
                var result = e.Result is null ? null : FromJson<ExperimentResult>(e.Result);
                Finish(e, ExperimentStatus.Completed, result is null ? "completed" : Describe(result), now);
                break;
        }
    }

    /// <summary>How long after creation a missing service may still be on its way rather than lost.</summary>
    private static readonly TimeSpan DeployGrace = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The deployment itself is made when the experiment is created (secret values never reach this module's tables);
    /// this stage only confirms the Server module has the service, which a host stopping at that moment could prevent.
    /// </summary>
    private async Task DeployAsync(Experiment e, DateTimeOffset now, CancellationToken ct)
    {
        if (await sender.Send(new GetServiceStatus(e.ServiceId!.Value), ct) is null)
        {
            // The experiment row is stored just before the deployment: a pass in between must not give up on it.
            if (now - e.CreatedAt < DeployGrace)
            {
                return;
            }

            Abort(e, "the service was never deployed (the host stopped while the experiment was being created); start the experiment again");
            return;
        }

        Enter(e, ExperimentStage.Waiting, now, $"service {e.ServiceId} accepted");
        e.Reason = "waiting for the scheduler";
    }

    private async Task WaitForReadyAsync(Experiment e, DateTimeOffset now, CancellationToken ct)
    {
        var service = await ServiceAsync(e, ct);
        if (service is null)
        {
            return;
        }

        if (service.Status == ServiceStatus.Ready)
        {
            e.Reason = null;
            Enter(e, e.WarmupSeconds > 0 ? ExperimentStage.Warmup : ExperimentStage.Loading, now, $"ready: {service.Replicas.Count} replica(s) on {service.NodeList ?? "?"}");
            return;
        }

        if (Ended(service))
        {
            Abort(e, ServiceFailure(service));
            return;
        }

        var waited = now - StageStart(e);
        var what = service.Status switch
        {
            ServiceStatus.Pending => "waiting to be submitted",
            ServiceStatus.Queued => $"queued for {Minutes(waited)}{(service.Reason is { } r ? $": {r}" : "")} (job {service.JobId})",
            ServiceStatus.Starting => $"starting on {service.NodeList ?? "?"}: {service.Reason ?? $"{service.Replicas.Count(x => x.Ready)} of {service.ExpectedReplicas} replica(s) ready"}",
            ServiceStatus.Restarting => $"the service is restarting: {service.Reason}",
            _ => $"the scheduler does not answer: {service.Reason}",
        };
        if (waited > TimeSpan.FromSeconds(e.ReadyTimeoutSeconds))
        {
            Abort(e, $"not ready after {Minutes(TimeSpan.FromSeconds(e.ReadyTimeoutSeconds))}: {what}");
            return;
        }

        e.Reason = what;
    }

    private async Task WarmUpAsync(ExperimentsDbContext db, Experiment e, DateTimeOffset now, CancellationToken ct)
    {
        if (e.WarmupBenchmarkId is null)
        {
            (e.WarmupBenchmarkId, e.LoadStartedBy) = (Guid.CreateVersion7(now), Instance);
            await db.SaveChangesAsync(ct);
        }

        var run = await sender.Send(new GetBenchmarkResult(e.WarmupBenchmarkId.Value), ct);
        if (run is null)
        {
            if (!await WatchServiceAsync(e, now, ct))
            {
                return;
            }

            var spec = FromJson<BenchmarkSpec>(e.Spec);
            await StartRunAsync(e, e.WarmupBenchmarkId.Value, TestTypes.Warmup(spec, Math.Max(1, e.Nodes), TimeSpan.FromSeconds(e.WarmupSeconds)), ct);
            e.Reason = $"warming up for {e.WarmupSeconds} s";
            return;
        }

        if (!run.Status.IsFinished())
        {
            await WatchServiceAsync(e, now, ct);
            return;
        }

        // A warm-up is not measured: one cut short by a restart is as good as done.
        if (run.Status == BenchmarkStatus.Failed && e.LoadStartedBy == Instance)
        {
            Abort(e, $"the warm-up failed: {run.Error}");
            return;
        }

        e.Reason = null;
        Enter(e, ExperimentStage.Loading, now, $"warm-up {run.Status.WireName()}: {run.Overall?.Completed ?? 0} request(s) completed, {run.Overall?.Failed ?? 0} failed");
    }

    private async Task LoadAsync(ExperimentsDbContext db, Experiment e, DateTimeOffset now, CancellationToken ct)
    {
        if (e.BenchmarkId is null)
        {
            (e.BenchmarkId, e.LoadStartedBy) = (Guid.CreateVersion7(now), Instance);
            e.LoadAttempts++;
            await db.SaveChangesAsync(ct);
        }

        var spec = FromJson<BenchmarkSpec>(e.Spec);
        var run = await sender.Send(new GetBenchmarkResult(e.BenchmarkId.Value), ct);
        if (run is null)
        {
            if (await WatchServiceAsync(e, now, ct) && await StartRunAsync(e, e.BenchmarkId.Value, spec, ct))
            {
                e.Reason = LoadingReason(spec);
            }

            return;
        }

        if (!run.Status.IsFinished())
        {
            // The run of a host that stopped is ended by the Client module at start-up; the service and the time limit
            // are watched all the same, so that an experiment can never wait for it forever.
            if (!await WatchServiceAsync(e, now, ct))
            {
                return;
            }

            var allowed = TimeSpan.FromSeconds(TestTypes.LoadSeconds(spec)) + (Shared.Text.Duration.TryParse(spec.Timeout, out var t) ? t : TimeSpan.Zero) + TimeSpan.FromMinutes(2);
            if (now - StageStart(e) > allowed)
            {
                Abort(e, $"the load run did not end within {Minutes(allowed)}");
            }

            return;
        }

        if (run.Status != BenchmarkStatus.Completed && e.LoadStartedBy != Instance)
        {
            if (e.LoadAttempts >= MaxLoadAttempts)
            {
                Abort(e, $"the load was cut short by a host restart {e.LoadAttempts} times");
                return;
            }

            // What a cut run measured covers part of the plan only: the load starts again, from the beginning.
            e.BenchmarkId = null;
            Enter(e, ExperimentStage.Loading, now, $"load run {run.Id} was cut short by a host restart ({run.Status.WireName()}); started again");
            return;
        }

        e.Result = ToJson(Judge.Result(e.TestType, spec, FromJson<ExperimentSlo>(e.Slo), run));
        if (run.Status == BenchmarkStatus.Failed)
        {
            Abort(e, $"the load failed: {run.Error}");
            return;
        }

        e.Reason = null;
        Enter(e, ExperimentStage.Collecting, now, $"load {run.Status.WireName()}: {run.Overall?.Completed ?? 0} request(s) completed, {run.Overall?.Failed ?? 0} failed");
    }

    private async Task CollectAsync(Experiment e, DateTimeOffset now, CancellationToken ct)
    {
        // The service stays up a little longer so that the last metrics scrape and log lines are taken.
        if (now - StageStart(e) < settings.CollectDelay)
        {
            return;
        }

        var run = await sender.Send(new GetBenchmarkResult(e.BenchmarkId!.Value), ct);
        if (run is not null)
        {
            var server = await ServerLatenciesAsync(e, run, ct);
            // The scrape that closes the TTFT breakdown's window comes up to one scrape interval after the load: a service
            // whose histograms are scraped stays up a little longer for it (the interval is at most 30 s).
            if (server is { Exported: true, Closed: false } && now - StageStart(e) < settings.CollectDelay + ClosingScrapeWait)
            {
                e.Reason = "waiting for the metrics scrape after the load";
                return;
            }

            e.Reason = null;
            e.Result = ToJson(Judge.Result(e.TestType, FromJson<BenchmarkSpec>(e.Spec), FromJson<ExperimentSlo>(e.Slo), run, server));
        }

        Enter(e, ExperimentStage.Stopping, now);
    }

    /// <summary>Longest wait beyond the collect delay for the scrape after the load (one scrape interval is at most 30 s).</summary>
    private static readonly TimeSpan ClosingScrapeWait = TimeSpan.FromSeconds(35);

    /// <summary>
    /// The service's own latency histograms over the measured run, for the TTFT breakdown. The measured run of an
    /// experiment has no warm-up of its own (the warm-up is a run before it), so its window is the run's start to its end.
    /// The numbers are advisory: a Monitor that cannot answer leaves the breakdown out, never fails the experiment.
    /// </summary>
    private async Task<ServerLatencies?> ServerLatenciesAsync(Experiment e, BenchmarkResult run, CancellationToken ct)
    {
        if (e.ServiceId is not { } service || run.StartedAt is not { } from || run.FinishedAt is not { } to)
        {
            return null;
        }

        try
        {
            return await sender.Send(new GetServerLatencies(service, from, to), ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Server latencies of experiment {Id} not available", e.Id);
            return null;
        }
    }

    private async Task StopAsync(Experiment e, DateTimeOffset now, CancellationToken ct)
    {
        if (!e.KeepService && !await StopServiceAsync(e, ct))
        {
            return;
        }

        Enter(e, ExperimentStage.Summarising, now, e.KeepService ? "service kept running on request" : "service stopped");
    }

    /// <summary>
    /// A cancel or a failure: the load and the service are stopped (a kept service stays up after a failure, not after a
    /// cancel), the load run gets a moment to write what it measured, and the experiment ends with that partial result.
    /// </summary>
    private async Task WindDownAsync(Experiment e, DateTimeOffset now, CancellationToken ct)
    {
        if (e.Stage != ExperimentStage.Stopping)
        {
            Enter(e, ExperimentStage.Stopping, now, e.CancelRequested ? "cancel requested" : e.AbortReason);
            e.Reason = e.CancelRequested ? "cancelling: stopping the load and the service" : $"stopping: {e.AbortReason}";
        }

        foreach (var id in new[] { e.WarmupBenchmarkId, e.BenchmarkId })
        {
            if (id is { } runId && await sender.Send(new GetBenchmarkResult(runId), ct) is { } run && !run.Status.IsFinished())
            {
                await sender.Send(new CancelBenchmark(runId), ct);
            }
        }

        if ((e.CancelRequested || !e.KeepService) && !await StopServiceAsync(e, ct))
        {
            return;
        }

        if (e.BenchmarkId is { } benchmarkId && await sender.Send(new GetBenchmarkResult(benchmarkId), ct) is { } last)
        {
            if (!last.Status.IsFinished() && now - StageStart(e) < settings.CancelGrace)
            {
                return;
            }

            if (last.Status.IsFinished())
            {
                e.Result = ToJson(Judge.Result(e.TestType, FromJson<BenchmarkSpec>(e.Spec), FromJson<ExperimentSlo>(e.Slo), last));
            }
        }

        var interrupted = e.Stages.Where(s => s.Stage != ExperimentStage.Stopping).OrderBy(s => s.StartedAt).ThenBy(s => s.Id).LastOrDefault()?.Stage ?? ExperimentStage.Pending;
        if (e.CancelRequested)
        {
            Finish(e, ExperimentStatus.Cancelled, $"cancelled on request during {interrupted.WireName()}{(e.Result is null ? "" : "; what was measured is kept")}", now);
        }
        else
        {
            Finish(e, ExperimentStatus.Failed, e.AbortReason, now);
        }
    }

    /// <summary>Asks for the service to be stopped; false while the scheduler cannot be reached (tried again next time).</summary>
    private async Task<bool> StopServiceAsync(Experiment e, CancellationToken ct)
    {
        if (e.ServiceId is not { } serviceId || await sender.Send(new GetServiceStatus(serviceId), ct) is not { } service || Ended(service))
        {
            return true;
        }

        try
        {
            await sender.Send(new CancelService(serviceId), ct);
            return true;
        }
        catch (ConflictException ex)
        {
            e.Reason = $"stopping the service: {ex.Message}";
            return false;
        }
    }

    private async Task<bool> StartRunAsync(Experiment e, Guid id, BenchmarkSpec spec, CancellationToken ct)
    {
        try
        {
            await sender.Send(new StartBenchmark(spec with { Service = e.ServiceId, ExperimentId = e.Id }, id), ct);
            e.LoadStartedBy = Instance;
            return true;
        }
        catch (Exception ex) when (ex is ConflictException or NotFoundException or ValidationException)
        {
            // Most likely the service went away between the check and the start; say so when it did.
            var service = await sender.Send(new GetServiceStatus(e.ServiceId!.Value), ct);
            Abort(e, service is not null && Ended(service) ? ServiceFailure(service) : $"the load could not start: {ex.Message}");
            return false;
        }
    }

    /// <summary>
    /// While the warm-up or the load runs, a service that ends takes the experiment down with it, and one that its restart
    /// policy restarts interrupts the stage: false when either happened.
    /// </summary>
    private async Task<bool> WatchServiceAsync(Experiment e, DateTimeOffset now, CancellationToken ct)
    {
        var service = await ServiceAsync(e, ct);
        if (service is not null && Ended(service))
        {
            Abort(e, $"{ServiceFailure(service)} during the {e.Stage.WireName()}");
            return false;
        }

        if (service is not null && Restarted(service))
        {
            await InterruptAsync(e, service, now, ct);
            return false;
        }

        if (service is not null)
        {
            NoteSchedulerOutage(e, service);
        }

        return service is not null;
    }

    /// <summary>
    /// Ready no more, and not for a scheduler that does not answer (unknown keeps its last state): the service is
    /// restarting, or its next attempt is on its way.
    /// </summary>
    private static bool Restarted(ServiceStatusInfo service) =>
        service.Status is ServiceStatus.Restarting or ServiceStatus.Pending or ServiceStatus.Queued or ServiceStatus.Starting;

    /// <summary>
    /// A restart during the warm-up or the measured load: what ran so far measured a service that stopped part way, so
    /// its run is cancelled and set aside (kept by the Client module, not counted), and the stage runs again from the
    /// start once the service is ready. The result only ever comes from a run that met a whole service.
    /// </summary>
    private async Task InterruptAsync(Experiment e, ServiceStatusInfo service, DateTimeOffset now, CancellationToken ct)
    {
        var stage = e.Stage;
        var run = stage == ExperimentStage.Loading ? e.BenchmarkId : e.WarmupBenchmarkId;
        if (run is { } id)
        {
            try
            {
                await sender.Send(new CancelBenchmark(id), ct);
            }
            catch (Exception ex) when (ex is NotFoundException or ConflictException)
            {
                // Never started, or ended already: nothing runs against the restarting service.
            }
        }

        (e.BenchmarkId, e.WarmupBenchmarkId) = (null, null);
        e.ServiceRestarts++;
        Enter(e, ExperimentStage.Waiting, now,
            $"interrupted: the service is restarting (attempt {service.Attempt}): {service.Reason}; the {stage.WireName()} runs again from the start once it is ready"
            + (run is { } r ? $" (run {r} cancelled, not counted)" : ""));
        e.Reason = $"the service is restarting: {service.Reason}";
        logger.LogWarning("Experiment {Id}: the service restarted during the {Stage}; the stage runs again", e.Id, stage.WireName());
    }

    private const string SchedulerOutage = "the scheduler does not answer";

    /// <summary>
    /// (Failure drills, #15.) While the scheduler does not answer, the service's state is unknown but its job goes on,
    /// and so does the load: the reason says so, and goes back to what the stage says once the scheduler answers again.
    /// </summary>
    private static void NoteSchedulerOutage(Experiment e, ServiceStatusInfo service)
    {
        if (service.Status == ServiceStatus.Unknown)
        {
            e.Reason = Clip($"{SchedulerOutage} ({service.Reason ?? "no reason given"}); the service's job is left running and the {e.Stage.WireName()} goes on");
        }
        else if (e.Reason?.StartsWith(SchedulerOutage, StringComparison.Ordinal) == true)
        {
            e.Reason = e.Stage == ExperimentStage.Warmup ? $"warming up for {e.WarmupSeconds} s" : LoadingReason(FromJson<BenchmarkSpec>(e.Spec));
        }
    }

    private static string LoadingReason(BenchmarkSpec spec) => $"load running: {spec.Load?.Kind} for {Minutes(TimeSpan.FromSeconds(TestTypes.LoadSeconds(spec)))}";

    private async Task<ServiceStatusInfo?> ServiceAsync(Experiment e, CancellationToken ct)
    {
        var service = await sender.Send(new GetServiceStatus(e.ServiceId!.Value), ct);
        if (service is null)
        {
            Abort(e, $"the Server module has no service {e.ServiceId}");
        }

        return service;
    }

    private static bool Ended(ServiceStatusInfo service) =>
        service.Status is ServiceStatus.Completed or ServiceStatus.Failed or ServiceStatus.Cancelled or ServiceStatus.TimedOut;

    /// <summary>What happened to a service that ended, worded for the person who has to fix it.</summary>
    internal static string ServiceFailure(ServiceStatusInfo service) => service.Status switch
    {
        ServiceStatus.Failed => $"the service failed{(service.JobId is { } j ? $" (job {j})" : "")}: {service.Reason ?? "no reason given"}",
        ServiceStatus.TimedOut => $"the service's job reached its time limit: {service.Reason}",
        ServiceStatus.Cancelled => $"the service was stopped: {service.Reason ?? "cancelled"}",
        _ => $"the service ended: {service.Reason ?? "the job finished"}",
    };

    private void Abort(Experiment e, string reason)
    {
        e.AbortReason = reason.Length > 2048 ? reason[..2045] + "..." : reason;
        logger.LogWarning("Experiment {Id} fails: {Reason}", e.Id, e.AbortReason);
    }

    private static DateTimeOffset StageStart(Experiment e) =>
        e.Stages.Where(s => s.EndedAt is null).OrderBy(s => s.StartedAt).ThenBy(s => s.Id).LastOrDefault()?.StartedAt ?? e.UpdatedAt;

    /// <summary>Closes the open stage (with a note on how it ended) and opens the next.</summary>
    internal static void Enter(Experiment e, ExperimentStage stage, DateTimeOffset now, string? note = null)
    {
        foreach (var open in e.Stages.Where(s => s.EndedAt is null))
        {
            open.EndedAt = now;
            open.Note = Clip(note ?? open.Note);
        }

        e.Stages.Add(new ExperimentStageRecord { ExperimentId = e.Id, Stage = stage, StartedAt = now });
        e.Stage = stage;
        e.UpdatedAt = now;
    }

    private static void Finish(Experiment e, ExperimentStatus status, string? reason, DateTimeOffset now)
    {
        // The end statuses are also the last stage.
        Enter(e, status switch
        {
            ExperimentStatus.Completed => ExperimentStage.Completed,
            ExperimentStatus.Cancelled => ExperimentStage.Cancelled,
            _ => ExperimentStage.Failed,
        }, now);
        e.Stages[^1].EndedAt = now;
        e.Status = status;
        e.Reason = Clip(reason);
        e.FinishedAt = now;
    }

    private static string? Clip(string? text) => text is { Length: > 2048 } ? text[..2045] + "..." : text;

    private static string Minutes(TimeSpan span) =>
        span < TimeSpan.FromMinutes(1) ? $"{Math.Max(1, (int)span.TotalSeconds)} s" : $"{(int)span.TotalMinutes} min";

    /// <summary>The headline of a finished experiment, for lists and the end notification.</summary>
    internal static string Describe(ExperimentResult r)
    {
        var parts = new List<string>();
        if (r.Overall is { } o)
        {
            parts.Add($"{o.Completed} requests, {o.RequestThroughput:0.##} req/s, {o.OutputTokenThroughput:0.#} output tokens/s");
            if (o.TtftP50Ms is { } ttft) parts.Add($"TTFT p50 {ttft:0.#} ms");
            if (o.Failed > 0) parts.Add($"{o.Failed} failed");
        }

        if (r.Stress is { } s) parts.Add(s.Broken ? $"broke at {s.BreakingRate:0.###} req/s ({s.Cause})" : s.Cause);
        if (r.Slo is { } slo) parts.Add($"SLO {slo.Summary}");
        return string.Join("; ", parts);
    }
}
