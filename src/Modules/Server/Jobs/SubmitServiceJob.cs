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
/// before the database does, and the scheduler is asked for a job of the same name before submitting. The services of
/// a job array (<see cref="ServiceArray"/>) go as one <c>sbatch --array</c>, with a marker of its own in the array's folder.
/// </summary>
[AutomaticRetry(Attempts = 5, DelaysInSeconds = [2, 5, 10, 30, 60], OnAttemptsExceeded = AttemptsExceededAction.Delete)]
// One submission at a time (Hangfire locks the method, whatever the arguments): a Hangfire retry and a resubmission by
// the poll never race each other to sbatch, nor do two services of one array.
[DisableConcurrentExecution(timeoutInSeconds: 120)]
internal sealed class SubmitServiceJob(
    IDbContextFactory<ServerDbContext> dbFactory,
    SchedulerSelector schedulers,
    ServerSettings settings,
    TimeProvider time,
    ILogger<SubmitServiceJob> logger)
{
    /// <summary>How long an array waits for the rest of its services before it is submitted with those it has.</summary>
    public static readonly TimeSpan ArrayGather = TimeSpan.FromMinutes(1);

    public async Task RunAsync(Guid serviceId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var service = await db.Services.Include(s => s.Transitions).SingleOrDefaultAsync(s => s.Id == serviceId, cancellationToken);
        if (service is null || service.Status != ServiceStatus.Pending || service.JobId is not null || service.RunFolder is null)
        {
            return;
        }

        var scheduler = await schedulers.SchedulerAsync(cancellationToken);
        // Only the first attempt goes with its array: a restart is a job of its own.
        if (service is { ArrayId: not null, ArraySize: > 1, Attempt: 1 })
        {
            // A service that goes alone (no arrays here, or it could not join its array) still keeps its array's throttle.
            var alone = (!scheduler.SupportsArrays || await SubmitArrayAsync(db, service, scheduler, cancellationToken))
                && await HasSlotAsync(db, service, cancellationToken);
            if (!alone)
            {
                await db.SaveChangesAsync(cancellationToken);
                return;
            }
        }

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

        await RecordAsync(db, service, scheduler, jobId, "submitted", cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Service {ServiceId} submitted to {Scheduler} as job {JobId}", service.Id, scheduler.Kind, jobId);
    }

    /// <summary>A cancel may have come while sbatch ran: the job it started must not be left behind.</summary>
    private async Task RecordAsync(ServerDbContext db, ServiceRecord service, IScheduler scheduler, string jobId, string reason, CancellationToken ct)
    {
        await db.Entry(service).ReloadAsync(ct);
        service.JobId = jobId;
        service.Scheduler = scheduler.Kind;
        if (service.Status == ServiceStatus.Cancelled)
        {
            await scheduler.CancelAsync(jobId, ct);
        }
        else
        {
            service.MoveTo(ServiceStatus.Queued, reason, time.GetUtcNow());
        }
    }

    /// <summary>
    /// Submits the service's array once all its services are deployed (or <see cref="ArrayGather"/> after the last one
    /// was), with those still pending that ask for the resources most of them ask for. True when this service is to go
    /// alone: its resources differ, its index is taken, it came after its array was submitted, or the scheduler refused
    /// the array.
    /// </summary>
    private async Task<bool> SubmitArrayAsync(ServerDbContext db, ServiceRecord service, IScheduler scheduler, CancellationToken ct)
    {
        var arrayId = service.ArrayId!.Value;
        var folder = ArrayFolder.For(settings, arrayId);
        if (ArrayFolder.Refused(folder) is not null)
        {
            return true;
        }

        var members = await db.Services.Where(s => s.ArrayId == arrayId).OrderBy(s => s.ArrayIndex).ThenBy(s => s.CreatedAt).ToListAsync(ct);
        var name = ArrayRenderer.JobName(service.Recipe, arrayId);
        if (ArrayFolder.Submitted(folder) is not { } submitted)
        {
            var now = time.GetUtcNow();
            // The window slides: elements are deployed one after another, a large campaign's over minutes.
            if (members.Count < service.ArraySize && now - members.Max(m => m.CreatedAt) < ArrayGather)
            {
                service.Reason = $"waiting for the rest of its job array: {members.Count} of {service.ArraySize} deployed";
                return false;
            }

            // Planned before sbatch and kept: a submission whose answer was lost is recorded with the tasks it really has.
            var planned = ArrayFolder.Planned(folder);
            List<ServiceRecord> inArray;
            if (planned is null)
            {
                var waiting = members.Where(m => m is { Status: ServiceStatus.Pending, Attempt: 1, JobId: null, RunFolder: not null })
                    .DistinctBy(m => m.ArrayIndex).ToList();
                var scripts = waiting.ToDictionary(m => m.Id, m => File.ReadAllText(Path.Combine(m.RunFolder!, RenderedJob.BatchFile)));
                inArray = waiting.GroupBy(m => ArrayRenderer.Shape(scripts[m.Id])).OrderByDescending(g => g.Count()).ThenBy(g
                    => g.Min(m => m.ArrayIndex))
                    .First().ToList();
                var throttle = Math.Min(service.ArrayThrottle ?? inArray.Count, inArray.Count);
                Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                foreach (var m in inArray) ArrayFolder.Link(folder, m.ArrayIndex!.Value, m.RunFolder!);
                var script = Path.Combine(folder, ArrayRenderer.BatchFile);
                await File.WriteAllTextAsync(script, ArrayRenderer.Render(name, folder, scripts[inArray[0].Id],
                    [.. inArray.Select(m => new ArrayMember(m.ArrayIndex!.Value, m.RunFolder!))], throttle), ct);
                File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                ArrayFolder.MarkPlanned(folder, inArray.Select(m => m.ArrayIndex!.Value));
                planned = ArrayFolder.Planned(folder)!;
            }

            inArray = [.. members.Where(m => m.Attempt == 1 && planned.Contains(m.ArrayIndex!.Value)).DistinctBy(m => m.ArrayIndex)];
            string jobId;
            try
            {
                // A submission whose answer was lost is found by name: its tasks are <array>_<index>, or folded as <array>_[…].
                jobId = (await scheduler.FindByNameAsync(name, ct))?.Split('_')[0]
                    ?? await scheduler.SubmitAsync(new SubmittedJob(arrayId, name, inArray[0].Tasks, inArray[0].TimeLimit, folder,
                        ArrayRenderer.BatchFile), ct);
            }
            catch (SubmissionRejectedException e)
            {
                // A site may limit or forbid arrays (MaxArraySize): each service then goes as a job of its own.
                ArrayFolder.MarkRefused(folder, e.Message);
                logger.LogWarning("{Scheduler} refused job array {Array} ({Message}); its services are submitted one by one", scheduler.Kind,
                    arrayId, e.Message);
                return true;
            }
            catch (SchedulerUnavailableException e)
            {
                foreach (var m in inArray.Where(m => m.Status == ServiceStatus.Pending))
                {
                    m.MoveTo(ServiceStatus.Pending, $"waiting for the scheduler: {e.Message}", now);
                }

                await db.SaveChangesAsync(ct);
                throw;
            }

            ArrayFolder.MarkSubmitted(folder, jobId, planned);
            submitted = ArrayFolder.Submitted(folder)!.Value;
            logger.LogInformation("Job array {JobId} submitted to {Scheduler} for {Count} services ({Indices})", jobId, scheduler.Kind,
                planned.Count, ArrayRenderer.Indices([.. planned], int.MaxValue));
        }

        // Every service the array runs gets its task's id (again after a stop: the marker is the truth); one cancelled
        // meanwhile has its task cancelled too.
        var indices = ArrayRenderer.Indices([.. submitted.Indices], int.MaxValue);
        foreach (var member in members.Where(m => m is { Attempt: 1, JobId: null } && submitted.Indices.Contains(m.ArrayIndex!.Value))
            .DistinctBy(m => m.ArrayIndex))
        {
            var taskId = ArrayFolder.TaskJobId(submitted.JobId, member.ArrayIndex!.Value);
            await File.WriteAllTextAsync(Path.Combine(member.RunFolder!, RunFolder.SubmittedMarker), taskId, ct);
            await RecordAsync(db, member, scheduler, taskId,
                $"submitted as task {member.ArrayIndex} of job array {submitted.JobId} (tasks {indices}, at most {member.ArrayThrottle} at once)",
                    ct);
        }

        return service.Status == ServiceStatus.Pending && service.JobId is null;
    }

    /// <summary>
    /// Without job arrays the throttle is kept here: a service of an array is submitted only while fewer than its
    /// throttle of the array's services hold a job (the poll asks again each cycle).
    /// </summary>
    private static async Task<bool> HasSlotAsync(ServerDbContext db, ServiceRecord service, CancellationToken ct)
    {
        var holding = await db.Services.CountAsync(s => s.ArrayId == service.ArrayId && s.Id != service.Id
            && ServiceTransitions.Active.Contains(s.Status) && !(s.Status == ServiceStatus.Pending && s.Attempt == 1 && s.JobId == null), ct);
        if (holding < (service.ArrayThrottle ?? 1)) return true;
        service.Reason = $"held by its array's throttle: {holding} of its {service.ArraySize} services run (at most {service.ArrayThrottle} at once)";
        return false;
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
