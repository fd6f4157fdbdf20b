using Aibench.Contracts.Server;
using Aibench.Server.Lifecycle;
using Aibench.Server.Persistence;
using Aibench.Server.Recipes;
using Aibench.Server.Scheduling;
using Aibench.Shared.Api;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Server.Features;

internal sealed class SubmitWorkerJobValidator : AbstractValidator<SubmitWorkerJob>
{
    public SubmitWorkerJobValidator(ServerSettings settings)
    {
        RuleFor(c => c.Nodes).InclusiveBetween(1, settings.MaxNodes).OverridePropertyName("placement.nodes")
            .WithMessage($"placement.nodes must be between 1 and {settings.MaxNodes} (Server:MaxNodes).");
        RuleFor(c => c.TasksPerNode).InclusiveBetween(1, 256).OverridePropertyName("placement.tasksPerNode")
            .WithMessage("placement.tasksPerNode must be between 1 and 256.");
        RuleFor(c => c.Partition).Matches(RecipeValidator.SlurmNamePattern()).When(c => c.Partition is not null)
            .OverridePropertyName("placement.partition").WithMessage("placement.partition must be a SLURM name: letters, digits, '_', '.', '-'.");
        RuleFor(c => c.Account).Matches(RecipeValidator.SlurmNamePattern()).When(c => c.Account is not null)
            .OverridePropertyName("placement.account").WithMessage("placement.account must be a SLURM name: letters, digits, '_', '.', '-'.");
        RuleFor(c => c.TimeLimit).InclusiveBetween(TimeSpan.FromMinutes(1), TimeSpan.FromDays(366)).OverridePropertyName("timeLimit");
        RuleFor(c => c.WorkerConfig).NotEmpty().MaximumLength(16 * 1024 * 1024).OverridePropertyName("workerConfig");
    }
}

/// <summary>
/// Starts the load-generator workers of a distributed benchmark. Idempotent like service submission: the job id is
/// kept in a marker file of the run folder, so a retried request never starts a second job. The job is also recorded in
/// the database, so that its logs are collected and <c>server:poll</c> notices its end.
/// </summary>
internal sealed class SubmitWorkerJobHandler(
    ServerSettings settings,
    SchedulerSelector schedulers,
    IDbContextFactory<ServerDbContext> dbFactory,
    TimeProvider time,
    ILogger<SubmitWorkerJobHandler> logger)
    : ICommandHandler<SubmitWorkerJob, WorkerJob>
{
    public async ValueTask<WorkerJob> Handle(SubmitWorkerJob command, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.SchedulerAsync(cancellationToken);
        // The same layout as a service's (runs/<id>): ids never collide, and every backend finds its job state there.
        var runFolder = RunFolder.For(settings, command.BenchmarkId);
        var marker = Path.Combine(runFolder, RunFolder.SubmittedMarker);
        if (File.Exists(marker))
        {
            var known = new WorkerJob((await File.ReadAllTextAsync(marker, cancellationToken)).Trim(), runFolder, scheduler.Kind);
            // A submission interrupted between marker and record gets its record now.
            await RecordAsync(command, known, cancellationToken);
            return known;
        }

        var job = new WorkerJobSpec(command.BenchmarkId, command.Nodes, command.TasksPerNode,
            command.Partition ?? settings.Partition, command.Account ?? settings.Account, command.TimeLimit, runFolder)
        {
            AibenchBinary = settings.AibenchBinary,
        };
        var rendered = WorkerJobRenderer.Render(job);
        const UnixFileMode owner = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        const UnixFileMode secret = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        Directory.CreateDirectory(settings.RunsFolder, owner);
        Directory.CreateDirectory(runFolder, owner);
        Directory.CreateDirectory(Path.Combine(runFolder, "workers"), owner);
        // worker.json carries the host's token: owner-only, like a service's env.sh.
        await WriteAsync(Path.Combine(runFolder, WorkerJobSpec.ConfigFile), command.WorkerConfig, secret, cancellationToken);
        await WriteAsync(Path.Combine(runFolder, RenderedJob.EnvFile), rendered.EnvScript, secret, cancellationToken);
        await WriteAsync(Path.Combine(runFolder, RenderedJob.BatchFile), rendered.BatchScript, owner, cancellationToken);
        await WriteAsync(Path.Combine(runFolder, RenderedJob.TaskFile), rendered.TaskScript, owner, cancellationToken);

        string jobId;
        try
        {
            jobId = await scheduler.FindByNameAsync(job.JobName, cancellationToken)
                    ?? await scheduler.SubmitAsync(new SubmittedJob(command.BenchmarkId, job.JobName, job.Tasks, job.TimeLimitText, runFolder),
                        cancellationToken);
        }
        catch (SubmissionRejectedException e)
        {
            throw new ConflictException($"{scheduler.Kind} refused the worker job: {e.Message}");
        }

        await File.WriteAllTextAsync(marker, jobId, cancellationToken);
        var submitted = new WorkerJob(jobId, runFolder, scheduler.Kind);
        await RecordAsync(command, submitted, cancellationToken);
        logger.LogInformation("Load-generator workers of benchmark {BenchmarkId}: {Tasks} task(s) on {Scheduler} as job {JobId}",
            command.BenchmarkId, job.Tasks, scheduler.Kind, jobId);
        return submitted;
    }

    /// <summary>
    /// Best effort: the job runs whether or not it is recorded, and failing here would leave it running unwatched (its
    /// caller would never learn its id to cancel it). Unrecorded, only its logs go uncollected; a retry records it.
    /// </summary>
    private async Task RecordAsync(SubmitWorkerJob command, WorkerJob job, CancellationToken ct)
    {
        try
        {
            await InsertAsync(command, job, ct);
        }
        catch (Exception e) when (e is DbUpdateException or System.Data.Common.DbException)
        {
            logger.LogWarning(e, "Worker job {JobId} of benchmark {BenchmarkId} runs but could not be recorded; its logs are not collected",
                job.JobId, command.BenchmarkId);
        }
    }

    private async Task InsertAsync(SubmitWorkerJob command, WorkerJob job, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.WorkerJobs.AnyAsync(w => w.BenchmarkId == command.BenchmarkId, ct)) return;
        db.WorkerJobs.Add(new WorkerJobRecord
        {
            BenchmarkId = command.BenchmarkId,
            JobId = job.JobId,
            RunFolder = job.RunFolder,
            Scheduler = job.Scheduler,
            Tasks = command.Nodes * command.TasksPerNode,
            ExperimentId = command.ExperimentId,
            CreatedAt = time.GetUtcNow(),
        });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Only a concurrent retry that recorded it first is fine.
            await using var again = await dbFactory.CreateDbContextAsync(ct);
            if (!await again.WorkerJobs.AnyAsync(w => w.BenchmarkId == command.BenchmarkId, ct)) throw;
        }
    }

    private static async Task WriteAsync(string path, string content, UnixFileMode mode, CancellationToken ct)
    {
        await using var stream = new FileStream(path,
            new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = mode });
        await using var writer = new StreamWriter(stream);
        await writer.WriteAsync(content.AsMemory(), ct);
    }
}

internal sealed class GetWorkerJobStateHandler(SchedulerSelector schedulers, WorkerJobStates states) : IQueryHandler<GetWorkerJobState,
    WorkerJobState>
{
    public async ValueTask<WorkerJobState> Handle(GetWorkerJobState query, CancellationToken cancellationToken) =>
        await states.QueryAsync(await schedulers.SchedulerAsync(cancellationToken), query.JobId, cancellationToken);
}

internal sealed class CancelWorkerJobHandler(SchedulerSelector schedulers, WorkerJobStates states) : ICommandHandler<CancelWorkerJob, WorkerJobState>
{
    public async ValueTask<WorkerJobState> Handle(CancelWorkerJob command, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.SchedulerAsync(cancellationToken);
        await scheduler.CancelAsync(command.JobId, cancellationToken);
        return await states.QueryAsync(scheduler, command.JobId, cancellationToken);
    }
}

/// <summary>
/// Cancels the worker job of a benchmark by the benchmark's id: the record says which job it is, or, for a submission
/// interrupted before it was recorded, the run folder's marker does. A job already recorded as ended is answered from
/// the record, so repeating the command (each host restart does) costs no scheduler call.
/// </summary>
internal sealed class CancelBenchmarkWorkerJobHandler(
    ServerSettings settings,
    SchedulerSelector schedulers,
    WorkerJobStates states,
    IDbContextFactory<ServerDbContext> dbFactory,
    ILogger<CancelBenchmarkWorkerJobHandler> logger)
    : ICommandHandler<CancelBenchmarkWorkerJob, CancelledWorkerJob?>
{
    public async ValueTask<CancelledWorkerJob?> Handle(CancelBenchmarkWorkerJob command, CancellationToken cancellationToken)
    {
        WorkerJobRecord? record;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            record = await db.WorkerJobs.AsNoTracking().SingleOrDefaultAsync(w => w.BenchmarkId == command.BenchmarkId, cancellationToken);
        }

        if (record is { EndedAt: not null })
        {
            return new CancelledWorkerJob(record.JobId, new WorkerJobState(record.State ?? JobState.Gone.State, true, null, null));
        }

        var marker = Path.Combine(RunFolder.For(settings, command.BenchmarkId), RunFolder.SubmittedMarker);
        var jobId = record?.JobId ?? (File.Exists(marker) ? (await File.ReadAllTextAsync(marker, cancellationToken)).Trim() : null);
        if (string.IsNullOrEmpty(jobId))
        {
            return null;
        }

        var scheduler = await schedulers.SchedulerAsync(cancellationToken);
        try
        {
            await scheduler.CancelAsync(jobId, cancellationToken);
            var state = await states.QueryAsync(scheduler, jobId, cancellationToken);
            logger.LogInformation("Worker job {JobId} of benchmark {BenchmarkId} cancelled ({State})", jobId, command.BenchmarkId, state.State);
            return new CancelledWorkerJob(jobId, state);
        }
        catch (SchedulerUnavailableException e)
        {
            throw new ConflictException($"The scheduler does not answer, so worker job {jobId} could not be cancelled yet: {e.Message}. Try again.");
        }
    }
}

/// <summary>Asks the scheduler where worker jobs stand and keeps their records up to date.</summary>
internal sealed class WorkerJobStates(IDbContextFactory<ServerDbContext> dbFactory, TimeProvider time, ILogger<WorkerJobStates> logger)
{
    public async Task<WorkerJobState> QueryAsync(IScheduler scheduler, string jobId, CancellationToken cancellationToken)
    {
        var states = await scheduler.QueryAsync([jobId], cancellationToken);
        var state = View(states.GetValueOrDefault(jobId));
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            foreach (var record in await db.WorkerJobs.Where(w => w.JobId == jobId && w.EndedAt == null).ToListAsync(cancellationToken))
            {
                Apply(record, state, time.GetUtcNow());
            }

            await db.SaveChangesAsync(cancellationToken);
        }
        catch (Exception e) when (e is DbUpdateException or System.Data.Common.DbException)
        {
            // The answer stands without the bookkeeping; server:poll records the end later.
            logger.LogWarning(e, "Could not record the state of worker job {JobId}", jobId);
        }

        return state;
    }

    /// <summary>A job the scheduler no longer knows has ended (<see cref="JobState.Gone"/>).</summary>
    public static WorkerJobState View(JobState? state)
    {
        state ??= JobState.Gone;
        return new WorkerJobState(state.State, !state.IsPending && !state.IsRunning, state.Reason, state.Nodes);
    }

    public static void Apply(WorkerJobRecord record, WorkerJobState state, DateTimeOffset now)
    {
        record.State = state.State.Length > 32 ? state.State[..32] : state.State;
        if (state.Ended) record.EndedAt ??= now;
    }
}
