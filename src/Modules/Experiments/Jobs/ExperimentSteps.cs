// Long file: over 400 lines on purpose: this is the whole decision table of the workflow (one method per stage, and the wording
// of every reason it gives), read and tested as one; its I/O is in ExperimentWorkflow.

using Aibench.Contracts;
using Aibench.Contracts.Client;
using Aibench.Contracts.Experiments;
using Aibench.Contracts.Monitor;
using Aibench.Contracts.Server;
using Aibench.Experiments.Persistence;
using Aibench.Experiments.Planning;
using Aibench.Shared.References;
using Aibench.Shared.Text;

namespace Aibench.Experiments.Jobs;

/// <summary>
/// The decisions of the experiment state machine (ADR 0007), apart from its I/O: given the experiment, what the other
/// modules said about its service and runs (<see cref="StepFacts"/>) and the time, it moves the experiment on (stage,
/// reason, ids, result, all in memory) and says what must be sent now (<see cref="ExperimentStep"/>).
/// <see cref="ExperimentWorkflow"/> reads the facts, sends the messages and stores the experiment. Nothing here waits,
/// reads a clock or talks to anything, so every transition can be tested directly.
/// </summary>
internal static class ExperimentSteps
{
    /// <summary>Load runs cut short by host restarts before the experiment gives up.</summary>
    public const int MaxLoadAttempts = 3;

    /// <summary>How long after creation a missing service may still be on its way rather than lost.</summary>
    public static readonly TimeSpan DeployGrace = TimeSpan.FromMinutes(2);

    /// <summary>Longest wait beyond the collect delay for the scrape after the load (one scrape interval is at most 30 s).</summary>
    public static readonly TimeSpan ClosingScrapeWait = TimeSpan.FromSeconds(35);

    private const string SchedulerOutage = "the scheduler does not answer";

    /// <summary>Moves the experiment on as far as these facts allow and says what to send.</summary>
    /// <param name="e">The experiment, still running.</param>
    /// <param name="facts">What the Server and Client modules said just now.</param>
    /// <param name="now">The time of this step.</param>
    /// <param name="instance">This host process: a run started by another one was cut short by a restart.</param>
    /// <param name="settings">The collect delay and the cancel grace.</param>
    public static ExperimentStep Next(Experiment e, StepFacts facts, DateTimeOffset now, Guid instance, ExperimentsSettings settings)
    {
        if (e.CancelRequested || e.AbortReason is not null)
        {
            return StartWindingDown(e, facts, now);
        }

        switch (e.Stage)
        {
            case ExperimentStage.Pending:
                Enter(e, ExperimentStage.Deploying, now);
                return ExperimentStep.Hold;
            case ExperimentStage.Deploying:
                return Deploying(e, facts, now);
            case ExperimentStage.Waiting:
                return Waiting(e, facts, now);
            case ExperimentStage.Warmup:
                return WarmingUp(e, facts, now, instance);
            case ExperimentStage.Loading:
                return Loading(e, facts, now, instance);
            case ExperimentStage.Collecting:
                return Collecting(e, facts, now, settings);
            case ExperimentStage.Stopping:
                if (!e.KeepService && ToStop(e, facts.Service) is { } service)
                {
                    return new StopService(service);
                }

                ServiceStopped(e, now);
                return ExperimentStep.Hold;
            case ExperimentStage.Summarising:
                var result = e.Result is null ? null : ExperimentWorkflow.FromJson<ExperimentResult>(e.Result);
                Finish(e, ExperimentStatus.Completed, result is null ? "completed" : Describe(result), now);
                return ExperimentStep.Hold;
            default:
                return ExperimentStep.Hold;
        }
    }

    /// <summary>Whether the collecting stage needs the service's own latencies over the measured run now (a Monitor query).</summary>
    public static bool WantsLatencies(Experiment e, BenchmarkResult? load, DateTimeOffset now, ExperimentsSettings settings) =>
        e is { Stage: ExperimentStage.Collecting, CancelRequested: false, AbortReason: null, ServiceId: not null }
        && now - StageStart(e) >= settings.CollectDelay
        && load is { StartedAt: not null, FinishedAt: not null };

    /// <summary>After <see cref="StopService"/> in the stopping stage: the Server module took the cancel.</summary>
    public static void ServiceStopped(Experiment e, DateTimeOffset now) =>
        Enter(e, ExperimentStage.Summarising, now, e.KeepService ? "service kept running on request" : "service stopped");

    /// <summary>After <see cref="StopService"/> or <see cref="WindDown"/>: the Server module refused the cancel (tried again next time).</summary>
    public static void ServiceNotStopped(Experiment e, string why) => e.Reason = $"stopping the service: {why}";

    /// <summary>After <see cref="StartRun"/>: the Client module took the run.</summary>
    public static void RunStarted(Experiment e, StartRun start, Guid instance)
    {
        e.LoadStartedBy = instance;
        if (start.ReasonWhenStarted is { } reason)
        {
            e.Reason = reason;
        }
    }

    /// <summary>After <see cref="StartRun"/>: the Client module refused the run; most likely the service went away, and then that is said.</summary>
    public static void RunRefused(Experiment e, ServiceStatusInfo? service, string why) =>
        Abort(e, service is not null && Ended(service) ? ServiceFailure(service) : $"the load could not start: {why}");

    /// <summary>
    /// The end of a <see cref="WindDown"/> once the runs were cancelled and the service stopped: the load run gets up to
    /// the cancel grace to write what it measured, then the experiment ends, cancelled or failed, with that partial result.
    /// </summary>
    /// <param name="e">The experiment.</param>
    /// <param name="load">The measured run as it is now, if there is one.</param>
    /// <param name="now">The time of this step.</param>
    /// <param name="settings">The cancel grace.</param>
    public static void WoundDown(Experiment e, BenchmarkResult? load, DateTimeOffset now, ExperimentsSettings settings)
    {
        if (load is not null)
        {
            if (!load.Status.IsFinished() && now - StageStart(e) < settings.CancelGrace)
            {
                return;
            }

            if (load.Status.IsFinished())
            {
                e.Result = Judged(e, load);
            }
        }

        var interrupted = e.Stages.Where(s => s.Stage != ExperimentStage.Stopping).OrderBy(s => s.StartedAt).ThenBy(s => s.Id).LastOrDefault()?.Stage
            ?? ExperimentStage.Pending;
        if (e.CancelRequested)
        {
            Finish(e, ExperimentStatus.Cancelled,
                $"cancelled on request during {interrupted.WireName()}{(e.Result is null ? "" : "; what was measured is kept")}", now);
        }
        else
        {
            Finish(e, ExperimentStatus.Failed, e.AbortReason, now);
        }
    }

    /// <summary>
    /// The deployment itself is made when the experiment is created (secret values never reach this module's tables);
    /// this stage only confirms the Server module has the service, which a host stopping at that moment could prevent.
    /// </summary>
    private static ExperimentStep Deploying(Experiment e, StepFacts facts, DateTimeOffset now)
    {
        if (facts.Service is null)
        {
            // The experiment row is stored just before the deployment: a pass in between must not give up on it.
            if (now - e.CreatedAt >= DeployGrace)
            {
                Abort(e, "the service was never deployed (the host stopped while the experiment was being created); start the experiment again");
            }

            return ExperimentStep.Hold;
        }

        // The note is read on the page, where the service's id would say nothing (the service panel links it).
        Enter(e, ExperimentStage.Waiting, now, "service accepted by the scheduler");
        e.Reason = "waiting for the scheduler";
        return ExperimentStep.Hold;
    }

    private static ExperimentStep Waiting(Experiment e, StepFacts facts, DateTimeOffset now)
    {
        if (Known(e, facts.Service) is not { } service)
        {
            return ExperimentStep.Hold;
        }

        if (service.Status == ServiceStatus.Ready)
        {
            e.Reason = null;
            Enter(e, e.WarmupSeconds > 0 ? ExperimentStage.Warmup : ExperimentStage.Loading, now,
                $"ready: {service.Replicas.Count} replica(s) on {service.NodeList ?? "?"}");
            return ExperimentStep.Hold;
        }

        if (Ended(service))
        {
            Abort(e, ServiceFailure(service));
            return ExperimentStep.Hold;
        }

        var waited = now - StageStart(e);
        var what = service.Status switch
        {
            ServiceStatus.Pending => "waiting to be submitted",
            ServiceStatus.Queued => $"queued for {Minutes(waited)}{(service.Reason is { } r ? $": {QueueReason(r)}" : "")} (job {service.JobId})",
            ServiceStatus.Starting =>
                $"starting on {service.NodeList ?? "?"}: "
                    + $"{service.Reason ?? $"{service.Replicas.Count(x => x.Ready)} of {service.ExpectedReplicas} replica(s) ready"}",
            ServiceStatus.Restarting => $"the service is restarting: {service.Reason}",
            _ => $"{SchedulerOutage}: {service.Reason}",
        };
        if (waited > TimeSpan.FromSeconds(e.ReadyTimeoutSeconds))
        {
            Abort(e, $"not ready after {Minutes(TimeSpan.FromSeconds(e.ReadyTimeoutSeconds))}: {what}");
            return ExperimentStep.Hold;
        }

        e.Reason = what;
        return ExperimentStep.Hold;
    }

    /// <summary>SLURM's reason for a pending job, with what its own word means when it is one a campaign causes.</summary>
    private static string QueueReason(string reason) =>
        reason == "JobArrayTaskLimit" ? "waiting for its turn in its job array (JobArrayTaskLimit: the campaign's throttle)" : reason;

    private static ExperimentStep WarmingUp(Experiment e, StepFacts facts, DateTimeOffset now, Guid instance)
    {
        // A new id is stored before the run is asked for (the workflow saves before it sends).
        var run = e.WarmupBenchmarkId is null ? null : facts.Warmup;
        e.WarmupBenchmarkId ??= NewRun(e, now, instance);
        if (run is null)
        {
            if (Watch(e, facts.Service, now) is { } stop)
            {
                return stop;
            }

            var spec = ExperimentWorkflow.FromJson<BenchmarkSpec>(e.Spec);
            e.Reason = $"warming up for {e.WarmupSeconds} s";
            return Start(e, e.WarmupBenchmarkId.Value, TestTypes.Warmup(spec, Math.Max(1, e.Nodes), TimeSpan.FromSeconds(e.WarmupSeconds)), null);
        }

        if (!run.Status.IsFinished())
        {
            return Watch(e, facts.Service, now) ?? ExperimentStep.Hold;
        }

        // A warm-up is not measured: one cut short by a restart is as good as done.
        if (run.Status == BenchmarkStatus.Failed && e.LoadStartedBy == instance)
        {
            Abort(e, $"the warm-up failed: {run.Error}");
            return ExperimentStep.Hold;
        }

        return HandOver(e, ExperimentStage.Loading, "warm-up", run, now);
    }

    private static ExperimentStep Loading(Experiment e, StepFacts facts, DateTimeOffset now, Guid instance)
    {
        if (e.Capacity is not null)
        {
            return CapacitySteps.Searching(e, facts, now, instance);
        }

        var run = e.BenchmarkId is null ? null : facts.Load;
        if (e.BenchmarkId is null)
        {
            e.BenchmarkId = NewRun(e, now, instance);
            e.LoadAttempts++;
        }

        var spec = ExperimentWorkflow.FromJson<BenchmarkSpec>(e.Spec);
        if (run is null)
        {
            return Watch(e, facts.Service, now) ?? Start(e, e.BenchmarkId.Value, spec, LoadingReason(spec));
        }

        if (!run.Status.IsFinished())
        {
            // The run of a host that stopped is ended by the Client module at start-up; the service and the time limit
            // are watched all the same, so that an experiment can never wait for it forever.
            if (Watch(e, facts.Service, now) is { } stop)
            {
                return stop;
            }

            var allowed = TimeSpan.FromSeconds(TestTypes.LoadSeconds(spec))
                + (Shared.Text.Duration.TryParse(spec.Timeout, out var t) ? t : TimeSpan.Zero)
                + TimeSpan.FromMinutes(2);
            if (now - StageStart(e) > allowed)
            {
                Abort(e, $"the load run did not end within {Minutes(allowed)}");
            }

            return ExperimentStep.Hold;
        }

        if (run.Status != BenchmarkStatus.Completed && e.LoadStartedBy != instance)
        {
            if (e.LoadAttempts >= MaxLoadAttempts)
            {
                Abort(e, $"the load was cut short by a host restart {e.LoadAttempts} times");
                return ExperimentStep.Hold;
            }

            // What a cut run measured covers part of the plan only: the load starts again, from the beginning.
            e.BenchmarkId = null;
            Enter(e, ExperimentStage.Loading, now, $"the load run was cut short by a host restart ({run.Status.WireName()}); started again");
            return ExperimentStep.Hold;
        }

        e.Result = Judged(e, run);
        if (run.Status == BenchmarkStatus.Failed)
        {
            Abort(e, $"the load failed: {run.Error}");
            return ExperimentStep.Hold;
        }

        return HandOver(e, ExperimentStage.Collecting, "load", run, now);
    }

    private static ExperimentStep Collecting(Experiment e, StepFacts facts, DateTimeOffset now, ExperimentsSettings settings)
    {
        // The service stays up a little longer so that the last metrics scrape and log lines are taken.
        if (now - StageStart(e) < settings.CollectDelay)
        {
            return ExperimentStep.Hold;
        }

        if (facts.Load is { } run)
        {
            // The scrape that closes the TTFT breakdown's window comes up to one scrape interval after the load: a service
            // whose histograms are scraped stays up a little longer for it (the interval is at most 30 s).
            if (facts.Latencies is { Exported: true, Closed: false } && now - StageStart(e) < settings.CollectDelay + ClosingScrapeWait)
            {
                e.Reason = "waiting for the metrics scrape after the load";
                return ExperimentStep.Hold;
            }

            e.Reason = null;
            e.Result = Judged(e, run, facts.Latencies);
        }

        Enter(e, ExperimentStage.Stopping, now);
        return ExperimentStep.Hold;
    }

    /// <summary>
    /// A cancel or a failure: the load and the service are stopped (a kept service stays up after a failure, not after a
    /// cancel), the load run gets a moment to write what it measured, and the experiment ends with that partial result.
    /// </summary>
    private static WindDown StartWindingDown(Experiment e, StepFacts facts, DateTimeOffset now)
    {
        if (e.Stage != ExperimentStage.Stopping)
        {
            Enter(e, ExperimentStage.Stopping, now, e.CancelRequested ? "cancel requested" : e.AbortReason);
            e.Reason = e.CancelRequested ? "cancelling: stopping the load and the service" : $"stopping: {e.AbortReason}";
        }

        List<Guid> going = [.. new[] { facts.Warmup, facts.Load }.OfType<BenchmarkResult>().Where(r => !r.Status.IsFinished()).Select(r => r.Id)];
        return new WindDown(going, e.CancelRequested || !e.KeepService ? ToStop(e, facts.Service) : null);
    }

    /// <summary>
    /// While the warm-up or the load runs, a service that ends takes the experiment down with it, and one that its restart
    /// policy restarts interrupts the stage: null while neither happened, else what to do instead of going on.
    /// </summary>
    internal static ExperimentStep? Watch(Experiment e, ServiceStatusInfo? facts, DateTimeOffset now)
    {
        if (Known(e, facts) is not { } service)
        {
            return ExperimentStep.Hold;
        }

        if (Ended(service))
        {
            Abort(e, $"{ServiceFailure(service)} during the {e.Stage.WireName()}");
            return ExperimentStep.Hold;
        }

        if (Restarted(service))
        {
            return Interrupt(e, service, now);
        }

        NoteSchedulerOutage(e, service);
        return null;
    }

    /// <summary>
    /// A restart during the warm-up or the measured load: what ran so far measured a service that stopped part way, so
    /// its run is cancelled and set aside (kept by the Client module, not counted), and the stage runs again from the
    /// start once the service is ready. The result only ever comes from a run that met a whole service.
    /// </summary>
    private static CancelInterruptedRun Interrupt(Experiment e, ServiceStatusInfo service, DateTimeOffset now)
    {
        var stage = e.Stage;
        var run = stage == ExperimentStage.Loading ? e.BenchmarkId : e.WarmupBenchmarkId;
        (e.BenchmarkId, e.WarmupBenchmarkId) = (null, null);
        e.ServiceRestarts++;
        Enter(e, ExperimentStage.Waiting, now,
            $"interrupted: the service is restarting (attempt {service.Attempt}): {service.Reason}; the {stage.WireName()} runs again from the start "
                + $"once it is ready"
            + (run is not null ? " (the interrupted run is cancelled, not counted)" : ""));
        e.Reason = $"the service is restarting: {service.Reason}";
        return new CancelInterruptedRun(run, stage);
    }

    /// <summary>
    /// Ready no more, and not for a scheduler that does not answer (unknown keeps its last state): the service is
    /// restarting, or its next attempt is on its way.
    /// </summary>
    private static bool Restarted(ServiceStatusInfo service) =>
        service.Status is ServiceStatus.Restarting or ServiceStatus.Pending or ServiceStatus.Queued or ServiceStatus.Starting;

    /// <summary>
    /// (Failure drills, #15.) While the scheduler does not answer, the service's state is unknown but its job goes on,
    /// and so does the load: the reason says so, and goes back to what the stage says once the scheduler answers again.
    /// </summary>
    private static void NoteSchedulerOutage(Experiment e, ServiceStatusInfo service)
    {
        if (service.Status == ServiceStatus.Unknown)
        {
            e.Reason = Clip($"{SchedulerOutage} ({service.Reason ?? "no reason given"}); the service's job is left running and the "
                + $"{e.Stage.WireName()} goes on");
        }
        else if (e.Reason?.StartsWith(SchedulerOutage, StringComparison.Ordinal) == true)
        {
            e.Reason = e.Stage == ExperimentStage.Warmup ? $"warming up for {e.WarmupSeconds} s"
                : LoadingReason(ExperimentWorkflow.FromJson<BenchmarkSpec>(e.Spec));
        }
    }

    /// <summary>A run ended well enough: the next stage, with what the run did as the note of its stage.</summary>
    private static ExperimentStep HandOver(Experiment e, ExperimentStage next, string what, BenchmarkResult run, DateTimeOffset now)
    {
        e.Reason = null;
        Enter(e, next, now, $"{what} {run.Status.WireName()}: {run.Overall?.Completed ?? 0} request(s) completed, {run.Overall?.Failed ?? 0} failed");
        return ExperimentStep.Hold;
    }

    internal static StartRun Start(Experiment e, Guid id, BenchmarkSpec spec, string? reasonWhenStarted) =>
        new(id, spec with { Service = e.ServiceId, ExperimentId = e.Id }, reasonWhenStarted);

    internal static Guid NewRun(Experiment e, DateTimeOffset now, Guid instance)
    {
        e.LoadStartedBy = instance;
        return Guid.CreateVersion7(now);
    }

    internal static string Judged(Experiment e, BenchmarkResult run, ServerLatencies? latencies = null)
    {
        var capacity = CapacitySteps.Outcome(e);
        var references = e.References is null ? null : ExperimentWorkflow.FromJson<ExperimentReferences>(e.References);
        return ExperimentWorkflow.ToJson(Judge.Result(e.TestType, ExperimentWorkflow.FromJson<BenchmarkSpec>(e.Spec),
            ExperimentWorkflow.FromJson<ExperimentSlo>(e.Slo), run, latencies) with
        {
            Capacity = capacity,
            References = references is null ? null : ReferenceJudge.Judge(references.Bounds, ReferenceJudge.FiguresOf(run.Overall,
                capacity?.RequestRate ?? capacity?.Rate),
                references.Baseline, references.BaselineId),
        });
    }

    /// <summary>The service, or null after failing the experiment when the Server module has no such service.</summary>
    private static ServiceStatusInfo? Known(Experiment e, ServiceStatusInfo? service)
    {
        if (service is null)
        {
            Abort(e, $"the Server module has no service {e.ServiceId}");
        }

        return service;
    }

    /// <summary>The service to stop: none when there is none or it ended already.</summary>
    private static Guid? ToStop(Experiment e, ServiceStatusInfo? service) => e.ServiceId is { } id && service is not null && !Ended(service) ? id
        : null;

    private static string LoadingReason(BenchmarkSpec spec)
        => $"load running: {spec.Load?.Kind} for {Minutes(TimeSpan.FromSeconds(TestTypes.LoadSeconds(spec)))}";

    private static bool Ended(ServiceStatusInfo service) =>
        service.Status is ServiceStatus.Completed or ServiceStatus.Failed or ServiceStatus.Cancelled or ServiceStatus.TimedOut;

    /// <summary>What happened to a service that ended, worded for the person who has to fix it.</summary>
    private static string ServiceFailure(ServiceStatusInfo service) => service.Status switch
    {
        ServiceStatus.Failed => $"the service failed{(service.JobId is { } j ? $" (job {j})" : "")}: {service.Reason ?? "no reason given"}",
        ServiceStatus.TimedOut => $"the service's job reached its time limit: {service.Reason}",
        ServiceStatus.Cancelled => $"the service was stopped: {service.Reason ?? "cancelled"}",
        _ => $"the service ended: {service.Reason ?? "the job finished"}",
    };

    internal static void Abort(Experiment e, string reason) => e.AbortReason = Clip(reason);

    internal static DateTimeOffset StageStart(Experiment e) =>
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

    internal static string Minutes(TimeSpan span) =>
        span < TimeSpan.FromMinutes(1) ? $"{Math.Max(1, (int)span.TotalSeconds)} s" : $"{(int)span.TotalMinutes} min";

    /// <summary>The headline of a finished experiment, for lists and the end notification.</summary>
    private static string Describe(ExperimentResult r)
    {
        var parts = new List<string>();
        if (r.Overall is { } o)
        {
            // The dashboard's one number format (thousands separators), as this headline is shown there and in notifications.
            parts.Add($"{Numbers.N(o.Completed)} requests, {Numbers.N(o.RequestThroughput)} req/s, {Numbers.N(o.OutputTokenThroughput, "0.#")} "
                + "output tokens/s");
            if (o.TtftP50Ms is { } ttft) parts.Add($"TTFT p50 {Numbers.N(ttft, "0.#")} ms");
            if (o.Failed > 0) parts.Add($"{o.Failed} failed");
        }

        if (r.Capacity is { } c) parts.Add($"capacity {c.Summary}");
        if (r.Stress is { } s) parts.Add(s.Broken ? $"broke at {s.BreakingRate:0.###} req/s ({s.Cause})" : s.Cause);
        if (r.Slo is { } slo) parts.Add($"SLO {slo.Summary}");
        if (r.References is { } references) parts.Add(references.Summary);
        return string.Join("; ", parts);
    }
}
