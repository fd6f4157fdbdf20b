using Aibench.Monitor.Persistence;
using Aibench.Monitor.Scraping;
using Aibench.Shared.Modules;
using Hangfire;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Monitor.Jobs;

/// <summary>Deletes samples older than the retention, in slices so that a large backlog never holds one long transaction.</summary>
[AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
[DisableConcurrentExecution(timeoutInSeconds: 600)]
internal sealed class RetentionJob(IDbContextFactory<MonitorDbContext> dbFactory, SeriesCache cache, MonitorSettings settings, TimeProvider time)
    : IRecurringJob
{
    public const string RecurringId = "monitor:retention";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var cutoff = (time.GetUtcNow() - settings.Retention).ToUnixTimeMilliseconds();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        while (!cancellationToken.IsCancellationRequested)
        {
            var ids = await db.Samples.Where(s => s.TimestampMs < cutoff).OrderBy(s => s.Id).Select(s
                => s.Id).Take(50_000).ToListAsync(cancellationToken);
            if (ids.Count == 0)
            {
                break;
            }

            var last = ids[^1];
            await db.Samples.Where(s => s.Id <= last && s.TimestampMs < cutoff).ExecuteDeleteAsync(cancellationToken);
        }

        // Series left without samples go too; the scraper re-creates any that come back.
        await db.Series.Where(s => !db.Samples.Any(x => x.SeriesId == s.Id)).ExecuteDeleteAsync(cancellationToken);
        cache.Clear();
    }
}
