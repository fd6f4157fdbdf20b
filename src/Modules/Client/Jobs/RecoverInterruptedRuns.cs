using Aibench.Client.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Aibench.Client.Jobs;

/// <summary>
/// A run that was going when the host died has no one left to finish it: once the host is up, such runs are marked
/// failed with the reason, instead of showing "running" for ever. Runs started by this process are left alone.
/// </summary>
internal sealed class RecoverInterruptedRuns(
    IDbContextFactory<ClientDbContext> dbFactory,
    ActiveBenchmarks active,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<RecoverInterruptedRuns> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken);
        }

        await using var db = await dbFactory.CreateDbContextAsync(stoppingToken);
        var running = await db.Benchmarks.Where(r => r.Status == BenchmarkStatuses.Running).ToListAsync(stoppingToken);
        foreach (var run in running.Where(r => !active.IsRunningHere(r.Id)))
        {
            run.Status = BenchmarkStatuses.Failed;
            run.Error = "the aibench host stopped during the run, before its results were written";
            run.FinishedAt = time.GetUtcNow();
            logger.LogWarning("Benchmark {Id} was interrupted by a host restart", run.Id);
        }

        await db.SaveChangesAsync(stoppingToken);
    }
}
