using Aibench.Contracts.Server;
using Aibench.Server.Features;
using Aibench.Server.Lifecycle;
using Aibench.Server.Persistence;
using Aibench.Server.Scheduling;
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
    ILogger<PollServicesJob> logger)
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

        var submitted = active.Where(s => s.JobId is not null).ToList();
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
        foreach (var e in events)
        {
            await publisher.Publish(e, cancellationToken);
        }
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

    private async Task ApplyAsync(ServiceRecord service, JobState state, IScheduler scheduler, List<INotification> events, DateTimeOffset now, CancellationToken ct)
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

            return;
        }

        var hint = RunFolder.ErrorHint(service.RunFolder!, service.JobId);
        var (status, reason) = state.State switch
        {
            "COMPLETED" => (ServiceStatus.Completed, "the job ended"),
            "CANCELLED" => (ServiceStatus.Cancelled, $"cancelled outside aibench (scancel or the site){(state.Reason is { } why ? $": {why}" : "")}"),
            "TIMEOUT" => (ServiceStatus.TimedOut, $"the job reached its time limit ({service.TimeLimit ?? "partition default"})"),
            "NODE_FAIL" => (ServiceStatus.Failed, Join($"a node failed ({state.Nodes})", hint)),
            "OUT_OF_MEMORY" => (ServiceStatus.Failed, Join("out of memory", hint)),
            "UNKNOWN" => (ServiceStatus.Unknown, state.Reason),
            _ => (ServiceStatus.Failed, Join($"{state.State.ToLowerInvariant()}{(state.ExitCode is { } code ? $", exit code {code}" : "")}{(state.Reason is { } r && r != "NonZeroExitCode" ? $" ({r})" : "")}", hint)),
        };
        if (service.Status == ServiceStatus.Cancelled && status != ServiceStatus.Cancelled)
        {
            return;
        }

        if (service.MoveTo(status, reason, now) && status.IsTerminal())
        {
            events.Add(new ServiceStopped(service.Id, status, reason, service.RunFolder!));
        }
    }

    private async Task ProbeAsync(ServiceRecord service, IScheduler scheduler, List<INotification> events, DateTimeOffset now, CancellationToken ct)
    {
        foreach (var file in RunFolder.Endpoints(service.RunFolder!))
        {
            var endpoint = service.Endpoints.SingleOrDefault(e => e.Task == file.Task);
            if (endpoint is null)
            {
                service.Endpoints.Add(endpoint = new ServiceEndpoint { ServiceId = service.Id, Task = file.Task, Host = file.Host, Port = file.Port, Node = file.Node });
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
            var reason = Join($"readiness timeout after {Duration.Format(limit)}: {ready} of {service.ExpectedEndpoints} endpoint(s) answered {service.ReadinessPath}",
                RunFolder.ErrorHint(service.RunFolder!, service.JobId));
            if (service.MoveTo(ServiceStatus.Failed, reason, now))
            {
                events.Add(new ServiceStopped(service.Id, ServiceStatus.Failed, reason, service.RunFolder!));
            }

            return;
        }

        service.MoveTo(ServiceStatus.Starting, $"{ready} of {service.ExpectedEndpoints} endpoint(s) ready", now);
    }

    internal static string Url(ServiceEndpoint e) => $"http://{(e.Host.Contains(':', StringComparison.Ordinal) && !e.Host.StartsWith('[') ? $"[{e.Host}]" : e.Host)}:{e.Port}";

    internal static ServiceEndpointInfo ToInfo(ServiceEndpoint e) => new(e.Task, e.Host, e.Port, e.Node, Url(e));

    private static string Join(string what, string? hint) => hint is null ? what : $"{what} — {hint}";
}
