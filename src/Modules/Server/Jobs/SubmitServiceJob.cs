using Aibench.Contracts.Server;
using Aibench.Server.Lifecycle;
using Aibench.Server.Persistence;
using Aibench.Server.Scheduling;
using Hangfire;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Server.Jobs;

/// <summary>
/// Hands a pending service to the scheduler. Idempotent: a service is never submitted twice, whether this job is
/// retried, runs again after a host restart, or races a cancel. A marker file in the run folder records the job id
/// before the database does, and the scheduler is asked for a job of the same name before submitting.
/// </summary>
[AutomaticRetry(Attempts = 5, DelaysInSeconds = [2, 5, 10, 30, 60], OnAttemptsExceeded = AttemptsExceededAction.Delete)]
// One submission at a time: a Hangfire retry and a resubmission by the poll never race each other to sbatch.
[DisableConcurrentExecution(timeoutInSeconds: 120)]
internal sealed class SubmitServiceJob(
    IDbContextFactory<ServerDbContext> dbFactory,
    SchedulerSelector schedulers,
    TimeProvider time,
    ILogger<SubmitServiceJob> logger)
{
    public async Task RunAsync(Guid serviceId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var service = await db.Services.Include(s => s.Transitions).SingleOrDefaultAsync(s => s.Id == serviceId, cancellationToken);
        if (service is null || service.Status != ServiceStatus.Pending || service.JobId is not null || service.RunFolder is null)
        {
            return;
        }

        var scheduler = await schedulers.SchedulerAsync(cancellationToken);
        var marker = Path.Combine(service.RunFolder, RunFolder.SubmittedMarker);
        string jobId;
        try
        {
            jobId = await SubmitOnceAsync(service, scheduler, marker, cancellationToken);
        }
        catch (SubmissionRejectedException e)
        {
            service.MoveTo(ServiceStatus.Failed, $"{scheduler.Kind} refused the job: {e.Message}", time.GetUtcNow());
            await db.SaveChangesAsync(cancellationToken);
            return;
        }
        catch (SchedulerUnavailableException e)
        {
            // Hangfire retries; the user sees why the service is still pending.
            service.MoveTo(ServiceStatus.Pending, $"waiting for the scheduler: {e.Message}", time.GetUtcNow());
            await db.SaveChangesAsync(cancellationToken);
            throw;
        }

        // A cancel may have come while sbatch ran: the job it started must not be left behind.
        await db.Entry(service).ReloadAsync(cancellationToken);
        service.JobId = jobId;
        service.Scheduler = scheduler.Kind;
        if (service.Status == ServiceStatus.Cancelled)
        {
            await scheduler.CancelAsync(jobId, cancellationToken);
        }
        else
        {
            service.MoveTo(ServiceStatus.Queued, "submitted", time.GetUtcNow());
        }

        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Service {ServiceId} submitted to {Scheduler} as job {JobId}", service.Id, scheduler.Kind, jobId);
    }

    private static async Task<string> SubmitOnceAsync(ServiceRecord service, IScheduler scheduler, string marker, CancellationToken cancellationToken)
    {
        if (File.Exists(marker))
        {
            return (await File.ReadAllTextAsync(marker, cancellationToken)).Trim();
        }

        if (await scheduler.FindByNameAsync(service.JobName, cancellationToken) is not { } jobId)
        {
            jobId = await scheduler.SubmitAsync(
                new SubmittedJob(service.Id, service.JobName, service.Tasks, service.TimeLimit, service.RunFolder!), cancellationToken);
        }

        await File.WriteAllTextAsync(marker, jobId, cancellationToken);
        return jobId;
    }
}
