using Aibench.Client.Persistence;
using Aibench.Contracts.Client;
using Aibench.Contracts.Server;
using Hangfire;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Aibench.Client.Jobs;

/// <summary>
/// A run that was going when the host died has no one left to finish it: once the host is up, such runs are marked
/// failed with the reason, instead of showing "running" for ever. Runs started by this process are left alone.
/// A distributed run's load-generator workers would go on loading the service in their batch job (and skew whatever
/// runs next on it), so their job is cancelled first, through the Server module, which knows the job of each benchmark.
/// The run stays "running" until that cancel got through: the row is the durable note that its workers may still run,
/// so a host that stops again before then cancels them at its next start. While the scheduler does not answer, the
/// cancel is tried again every <see cref="RetryEvery"/>; after <see cref="GiveUpAfter"/> the run is ended all the same
/// (its job ends at its time limit), so that an experiment is never held up for ever.
/// A run still pending from before the start had its job in the Hangfire queue, which the embedded store loses with the
/// process (ADR 0003): its job is enqueued again. It has sent nothing yet, so it starts as it would have; the job's atomic
/// claim makes a second job for it (a persistent store keeps the first) do nothing.
/// </summary>
internal sealed class RecoverInterruptedRuns(
    IDbContextFactory<ClientDbContext> dbFactory,
    ActiveBenchmarks active,
    ISender sender,
    IPublisher publisher,
    IBackgroundJobClient jobs,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<RecoverInterruptedRuns> logger) : BackgroundService
{
    public const string Interrupted = "the aibench host stopped during the run, before its results were written";

    internal static readonly TimeSpan RetryEvery = TimeSpan.FromSeconds(10);

    internal static readonly TimeSpan GiveUpAfter = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Taken when the host builds its hosted services, before any of them (Hangfire's server among them) starts: a run
    /// started after this instant belongs to this process, even when it has not registered as active yet.
    /// </summary>
    private readonly DateTimeOffset _began = time.GetUtcNow();

    /// <summary>Pending runs whose job this pass or an earlier one queued again (a retried pass queues none twice).</summary>
    private readonly HashSet<Guid> _requeued = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken);
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            int left;
            try
            {
                left = await RecoverAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A background service that throws stops the host: a database that does not answer yet is tried again.
                logger.LogWarning(e, "Interrupted runs not recovered yet; trying again in {Seconds} s", RetryEvery.TotalSeconds);
                left = 1;
            }

            if (left == 0)
            {
                return;
            }

            await Task.Delay(RetryEvery, time, stoppingToken);
        }
    }

    /// <summary>One pass over the interrupted runs; answers how many are left for the next pass.</summary>
    internal async Task<int> RecoverAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        foreach (var pending in await db.Benchmarks.AsNoTracking().Where(r => r.Status == BenchmarkStatus.Pending && r.CreatedAt < _began)
            .Select(r => r.Id).ToListAsync(ct))
        {
            if (_requeued.Add(pending))
            {
                jobs.Enqueue<RunBenchmarkJob>(job => job.RunAsync(pending, CancellationToken.None));
                logger.LogWarning("Benchmark {Id} was still pending when the host stopped; its job is queued again", pending);
            }
        }

        var running = await db.Benchmarks.Where(r => r.Status == BenchmarkStatus.Running).ToListAsync(ct);
        var left = 0;
        var ended = new List<BenchmarkRun>();
        foreach (var run in running.Where(r => !active.IsRunningHere(r.Id) && (r.StartedAt is null || r.StartedAt < _began)))
        {
            var (done, note) = await CancelWorkersAsync(run.Id, ct);
            if (!done)
            {
                left++;
                continue;
            }

            run.Status = BenchmarkStatus.Failed;
            run.Error = Interrupted + note;
            run.FinishedAt = time.GetUtcNow();
            ended.Add(run);
            logger.LogWarning("Benchmark {Id} was interrupted by a host restart{Note}", run.Id, note);
        }

        await db.SaveChangesAsync(ct);
        foreach (var run in ended)
        {
            try
            {
                // Wakes its experiment at once rather than at its next poll (which finds the run ended all the same).
                await publisher.Publish(new BenchmarkFinished(run.Id, run.ExperimentId, run.Status, run.Error), ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "BenchmarkFinished for interrupted benchmark {Id} not delivered", run.Id);
            }
        }

        return left;
    }

    /// <summary>Whether the run's workers (if it had any) are taken care of, and what to say about them on the run.</summary>
    private async Task<(bool Done, string Note)> CancelWorkersAsync(Guid id, CancellationToken ct)
    {
        try
        {
            var job = await sender.Send(new CancelBenchmarkWorkerJob(id), ct);
            return (true, job is null ? "" : $"; its load-generator job {job.JobId} was cancelled ({job.State.State.ToLowerInvariant()})");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            if (time.GetUtcNow() - _began < GiveUpAfter)
            {
                logger.LogWarning("The load-generator job of interrupted benchmark {Id} could not be cancelled yet, trying again in "
                    + "{Seconds} s: {Error}",
                    id, RetryEvery.TotalSeconds, e.Message);
                return (false, "");
            }

            logger.LogError(e, "The load-generator job of interrupted benchmark {Id} could not be cancelled; it ends at its time limit", id);
            return (true, $"; its load-generator job could not be cancelled ({e.Message}) and ends at its time limit");
        }
    }
}
