using Aibench.Contracts.Server;
using Aibench.Server.Features;
using Aibench.Server.Lifecycle;
using Aibench.Server.Persistence;
using Aibench.Server.Scheduling;
using Aibench.Shared.Modules;
using Aibench.Shared.Text;
using Hangfire;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Server.Jobs;

/// <summary>
/// The recurring <c>server:poll</c>: one scheduler query for every active service, then state changes, endpoint
/// discovery and readiness probes. Everything it needs is in the database and the run folders, so after a host
/// restart it simply carries on; pending services whose submission was lost are submitted again (idempotently).
/// Load-generator worker jobs that may still run are polled too, so their end is recorded even when no benchmark
/// watches them any more.
/// </summary>
[AutomaticRetry(Attempts = 0)]
[DisableConcurrentExecution(timeoutInSeconds: 60)]
internal sealed class PollServicesJob(
    IDbContextFactory<ServerDbContext> dbFactory,
    SchedulerSelector schedulers,
    ReadinessProbe probe,
    IBackgroundJobClient jobs,
    IPublisher publisher,
    TimeProvider time,
    ILogger<PollServicesJob> logger) : IRecurringJob
{
    public const string RecurringId = "server:poll";

    /// <summary>A pending service older than this without a job id lost its submission (e.g. to a restart).</summary>
    private static readonly TimeSpan ResubmitAfter = TimeSpan.FromSeconds(30);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await PollWorkerJobsAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Worker jobs' bookkeeping must never hold up the services' lifecycle.
            logger.LogWarning(e, "Polling load-generator worker jobs failed; trying again at the next poll");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var active = await db.Services.Include(s => s.Transitions).Include(s => s.Endpoints)
            .Where(s => ServiceTransitions.Active.Contains(s.Status))
            .ToListAsync(cancellationToken);
        if (active.Count == 0)
        {
            return;
        }

        var now = time.GetUtcNow();
        foreach (var lost in active.Where(s => s.Status == ServiceStatus.Pending && s.JobId is null && now - s.UpdatedAt > ResubmitAfter))
        {
            jobs.Enqueue<SubmitServiceJob>(j => j.RunAsync(lost.Id, CancellationToken.None));
            lost.UpdatedAt = now;
        }

        // Services of an array held back by its throttle (a scheduler without arrays, a refused array, services that could
        // not join theirs): one goes as soon as another ended.
        foreach (var array in active.Where(s => s.ArrayId is not null).GroupBy(s => s.ArrayId))
        {
            var held = array.Where(s => s is { Status: ServiceStatus.Pending, JobId: null, Attempt: 1 }).OrderBy(s => s.ArrayIndex).ToList();
            var free = (held.FirstOrDefault()?.ArrayThrottle ?? 0) - array.Count(s => !held.Contains(s));
            foreach (var next in held.Take(Math.Max(0, free)).Where(s => now - s.UpdatedAt > TimeSpan.FromSeconds(1)))
            {
                jobs.Enqueue<SubmitServiceJob>(j => j.RunAsync(next.Id, CancellationToken.None));
            }
        }

        // A restart whose back-off has passed: the next attempt is prepared now and submitted once that is stored.
        var resubmit = new List<Guid>();
        foreach (var due in active.Where(s => s.Status == ServiceStatus.Restarting && s.RestartAt <= now))
        {
            StartNextAttempt(due, now);
            resubmit.Add(due.Id);
        }

        // A restarting service's job has ended: there is nothing to ask the scheduler about until the next one is submitted.
        var submitted = active.Where(s => s.JobId is not null && s.Status != ServiceStatus.Restarting).ToList();
        var events = new List<INotification>();
        if (submitted.Count > 0)
        {
            var scheduler = await schedulers.SchedulerAsync(cancellationToken);
            IReadOnlyDictionary<string, JobState> states;
            try
            {
                states = await scheduler.QueryAsync([.. submitted.Select(s => s.JobId!)], cancellationToken);
            }
            catch (SchedulerUnavailableException e)
            {
                // SLURM down: the services' states are unknown until it answers again, nothing is lost.
                foreach (var service in submitted)
                {
                    service.MoveTo(ServiceStatus.Unknown, $"{scheduler.Kind} does not answer: {e.Message}", now);
                }

                await db.SaveChangesAsync(cancellationToken);
                Enqueue(resubmit);
                return;
            }

            foreach (var service in submitted)
            {
                if (states.TryGetValue(service.JobId!, out var state))
                {
                    await ApplyAsync(service, state, scheduler, events, now, cancellationToken);
                }
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        Enqueue(resubmit);
        foreach (var e in events)
        {
            await publisher.Publish(e, cancellationToken);
        }
    }

    private void Enqueue(List<Guid> services)
    {
        foreach (var id in services)
        {
            jobs.Enqueue<SubmitServiceJob>(j => j.RunAsync(id, CancellationToken.None));
        }
    }

    /// <summary>
    /// The next attempt of a restarting service: the previous job's files move aside, the service is pending again
    /// under a new job name, and the submission follows. A host that stops in between does this again at its next poll.
    /// </summary>
    private void StartNextAttempt(ServiceRecord service, DateTimeOffset now)
    {
        var next = service.Attempt + 1;
        var name = Restarts.JobName($"aibench-{service.Recipe}-{service.Id:N}", next);
        RunFolder.StartAttempt(service.RunFolder!, service.Attempt, name);
        (service.Attempt, service.JobName, service.JobId, service.NodeList) = (next, name, null, null);
        (service.StartedAt, service.ReadyAt, service.RestartAt) = (null, null, null);
        // The next attempt may come back on the same node and port: it must not inherit the dead replica's open circuit.
        foreach (var endpoint in service.Endpoints)
        {
            probe.Reset(Url(endpoint));
        }

        service.Endpoints.Clear();
        service.MoveTo(ServiceStatus.Pending, $"attempt {next} of {service.RestartMax + 1}: submitting a new job", now);
        logger.LogInformation("Service {ServiceId}: attempt {Attempt} is submitted as {JobName}", service.Id, next, name);
    }

    /// <summary>
    /// An attempt ended. The restart policy decides whether another one starts (after its back-off) or the service
    /// ends; either way the attempt is recorded with its job, nodes, reason and last error lines.
    /// </summary>
    private void EndAttempt(ServiceRecord service, AttemptEnd end, List<INotification> events, DateTimeOffset now)
    {
        if (end.Status == ServiceStatus.Unknown)
        {
            service.MoveTo(ServiceStatus.Unknown, end.Reason, now);
            return;
        }

        var restart = Restarts.Restart(service, end);
        service.Attempts.Add(new ServiceAttempt
        {
            ServiceId = service.Id, Number = service.Attempt, JobId = service.JobId, NodeList = service.NodeList,
            StartedAt = service.StartedAt, ReadyAt = service.ReadyAt, EndedAt = now, Reason = end.Reason, Restarted = restart,
            LastLines = RunFolder.LastLines(service.RunFolder!, service.JobId),
        });
        if (restart)
        {
            var backoff = TimeSpan.FromSeconds(service.RestartBackoffSeconds);
            service.RestartAt = now + backoff;
            service.MoveTo(ServiceStatus.Restarting,
                $"attempt {service.Attempt} ended: {end.Reason}; restart {service.Attempt} of {service.RestartMax} in {Duration.Format(backoff)}",
                    now);
            events.Add(new ServiceRestarted(service.Id, service.Recipe, service.Attempt + 1, service.RestartMax, end.Reason, service.JobId, backoff,
                now));
            logger.LogWarning("Service {ServiceId}: attempt {Attempt} ended ({Reason}); restarting in {Backoff}", service.Id, service.Attempt,
                end.Reason, backoff);
            return;
        }

        var reason = Restarts.Final(service, end);
        if (service.MoveTo(end.Status, reason, now) && end.Status.IsTerminal())
        {
            events.Add(new ServiceStopped(service.Id, end.Status, reason, service.RunFolder!));
        }
    }

    /// <summary>
    /// A ready service's endpoints are probed at every poll: a replica whose process hangs or died while its job runs on
    /// (the other replicas keep it alive) answers nothing. One silent for <see cref="Restarts.LivenessGrace"/> is taken
    /// for dead: when the restart policy has a restart left, the job is cancelled and the attempt ends, so the service
    /// comes back whole; otherwise the service stays ready with a reason naming the silent replica.
    /// </summary>
    private async Task CheckLivenessAsync(ServiceRecord service, IScheduler scheduler, List<INotification> events, DateTimeOffset now,
        CancellationToken ct)
    {
        var results = await Task.WhenAll(service.Endpoints.Select(async e
            => (Endpoint: e, Ok: await probe.AnswersAsync(Url(e), service.ReadinessPath, ct))));
        foreach (var (endpoint, ok) in results)
        {
            endpoint.FailingSince = ok ? null : endpoint.FailingSince ?? now;
        }

        if (service.Endpoints.Where(e => Restarts.Lost(e.FailingSince, now)).OrderBy(e => e.Task).FirstOrDefault() is not { } lost)
        {
            if (service.Reason is not null && service.Endpoints.All(e => e.FailingSince is null))
            {
                service.MoveTo(ServiceStatus.Ready, null, now);
            }

            return;
        }

        var end = Restarts.LostReplica(lost.Task, lost.Node, service.ReadinessPath, now - lost.FailingSince!.Value,
            RunFolder.ErrorHint(service.RunFolder!, service.JobId));
        if (!Restarts.Restart(service, end))
        {
            // Without a restart to bring it back whole, the job is left alone: the other replicas may still serve, and
            // the user decides. The reason says which replica is silent; it clears when the replica answers again.
            // The text stays the same from poll to poll, so the history records the change once.
            service.MoveTo(ServiceStatus.Ready,
                $"replica {lost.Task} on {lost.Node} has not answered {service.ReadinessPath} since {lost.FailingSince:HH:mm:ss} UTC; "
                + (service.RestartMax == 0 ? "no restart policy" : $"all {service.RestartMax} restart(s) used") + ": left running", now);
            return;
        }

        try
        {
            await scheduler.CancelAsync(service.JobId!, ct);
        }
        catch (SchedulerUnavailableException e)
        {
            // The job cannot be stopped now; the replica stays lost and the next poll tries again.
            logger.LogWarning(e, "Service {ServiceId}: replica {Task} is lost but its job {JobId} could not be cancelled yet", service.Id, lost.Task,
                service.JobId);
            return;
        }

        EndAttempt(service, end, events, now);
    }

    private async Task PollWorkerJobsAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var open = await db.WorkerJobs.Where(w => w.EndedAt == null).ToListAsync(cancellationToken);
        if (open.Count == 0)
        {
            return;
        }

        var scheduler = await schedulers.SchedulerAsync(cancellationToken);
        IReadOnlyDictionary<string, JobState> states;
        try
        {
            states = await scheduler.QueryAsync([.. open.Select(w => w.JobId).Distinct()], cancellationToken);
        }
        catch (SchedulerUnavailableException)
        {
            // Unknown until the scheduler answers again; the services' poll below says so.
            return;
        }

        var now = time.GetUtcNow();
        foreach (var worker in open)
        {
            WorkerJobStates.Apply(worker, WorkerJobStates.View(states.GetValueOrDefault(worker.JobId)), now);
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    private async Task ApplyAsync(ServiceRecord service, JobState state, IScheduler scheduler, List<INotification> events, DateTimeOffset now,
        CancellationToken ct)
    {
        service.NodeList = state.Nodes ?? service.NodeList;
        if (state.IsPending)
        {
            service.MoveTo(ServiceStatus.Queued, state.Reason, now);
            return;
        }

        if (state.IsRunning)
        {
            service.StartedAt ??= now;
            if (service.Status is ServiceStatus.Pending or ServiceStatus.Queued)
            {
                service.MoveTo(ServiceStatus.Starting, "waiting for the endpoints to answer", now);
            }
            else if (service.Status == ServiceStatus.Unknown)
            {
                var wasReady = service.Endpoints.Count >= service.ExpectedEndpoints && service.Endpoints.All(e => e.Ready);
                service.MoveTo(wasReady ? ServiceStatus.Ready : ServiceStatus.Starting, null, now);
            }

            if (service.Status == ServiceStatus.Starting)
            {
                await ProbeAsync(service, scheduler, events, now, ct);
            }
            else if (service.Status == ServiceStatus.Ready)
            {
                await CheckLivenessAsync(service, scheduler, events, now, ct);
            }

            return;
        }

        if (service.Status == ServiceStatus.Cancelled)
        {
            return;
        }

        EndAttempt(service, Restarts.Classify(state.State, state.Reason, state.ExitCode, state.Nodes, service.ReadyAt is not null, service.TimeLimit,
            RunFolder.ErrorHint(service.RunFolder!, service.JobId)), events, now);
    }

    private async Task ProbeAsync(ServiceRecord service, IScheduler scheduler, List<INotification> events, DateTimeOffset now, CancellationToken ct)
    {
        foreach (var file in RunFolder.Endpoints(service.RunFolder!))
        {
            var endpoint = service.Endpoints.SingleOrDefault(e => e.Task == file.Task);
            if (endpoint is null)
            {
                service.Endpoints.Add(endpoint = new ServiceEndpoint { ServiceId = service.Id, Task = file.Task, Host = file.Host, Port = file.Port,
                    Node = file.Node });
            }
            else if (endpoint.Host != file.Host || endpoint.Port != file.Port)
            {
                (endpoint.Host, endpoint.Port, endpoint.Node, endpoint.Ready) = (file.Host, file.Port, file.Node, false);
            }
        }

        var results = await Task.WhenAll(service.Endpoints.Where(e => !e.Ready)
            .Select(async e => (Endpoint: e, Ok: await probe.AnswersAsync(Url(e), service.ReadinessPath, ct))));
        foreach (var (endpoint, ok) in results)
        {
            endpoint.Ready = ok;
        }

        var ready = service.Endpoints.Count(e => e.Ready);
        if (ready >= service.ExpectedEndpoints)
        {
            service.ReadyAt ??= now;
            service.MoveTo(ServiceStatus.Ready, null, now);
            events.Add(new ServiceReady(
                service.Id, service.Recipe, [.. service.Endpoints.OrderBy(e => e.Task).Select(ToInfo)], service.NodeList, service.JobId,
                service.RunFolder!, service.MetricsPath));
            logger.LogInformation("Service {ServiceId} is ready with {Count} endpoint(s)", service.Id, ready);
            return;
        }

        var limit = TimeSpan.FromSeconds(service.ReadinessTimeoutSeconds);
        if (service.StartedAt is { } started && now - started > limit)
        {
            await scheduler.CancelAsync(service.JobId!, ct);
            var reason = Join($"readiness timeout after {Duration.Format(limit)}: {ready} of {service.ExpectedEndpoints} endpoint(s) answered "
                + $"{service.ReadinessPath}",
                RunFolder.ErrorHint(service.RunFolder!, service.JobId));
            EndAttempt(service, new AttemptEnd(ServiceStatus.Failed, reason, false, "it never answered: a new attempt would wait the same way"),
                events, now);
            return;
        }

        service.MoveTo(ServiceStatus.Starting, $"{ready} of {service.ExpectedEndpoints} endpoint(s) ready", now);
    }

    internal static string Url(ServiceEndpoint e)
        => $"http://{(e.Host.Contains(':', StringComparison.Ordinal) && !e.Host.StartsWith('[') ? $"[{e.Host}]" : e.Host)}:{e.Port}";

    internal static ServiceEndpointInfo ToInfo(ServiceEndpoint e) => new(e.Task, e.Host, e.Port, e.Node, Url(e));

    private static string Join(string what, string? hint) => hint is null ? what : $"{what} — {hint}";
}
