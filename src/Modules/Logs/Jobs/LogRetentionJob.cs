using Aibench.Logs.Persistence;
using Aibench.Shared.Modules;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Aibench.Logs.Jobs;

/// <summary>
/// Keeps the stored lines within <c>Logs:Retention</c> (age) and <c>Logs:MaxSize</c> (characters of text), oldest
/// first, in chunks so a large delete never holds the store for long. Idempotent: a second run deletes nothing more.
/// </summary>
[AutomaticRetry(Attempts = 3)]
[DisableConcurrentExecution(timeoutInSeconds: 60)]
internal sealed class LogRetentionJob(IDbContextFactory<LogsDbContext> dbFactory, LogsSettings settings, TimeProvider time,
    ILogger<LogRetentionJob> logger) : IRecurringJob
{
    public const string RecurringId = "logs:retention";
    private const int Chunk = 50_000;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);

        // Lines up to the newest id had all arrived by now; a line's age is reckoned from the first mark after it.
        if (await db.Lines.MaxAsync(l => (long?)l.Id, cancellationToken) is { } newest
            && !await db.Marks.AnyAsync(m => m.LastId >= newest, cancellationToken))
        {
            db.Marks.Add(new LogMark { LastId = newest, At = now });
            await db.SaveChangesAsync(cancellationToken);
        }

        long deleted = 0;
        var cutoff = now - settings.Retention;
        if (await db.Marks.Where(m => m.At <= cutoff).MaxAsync(m => (long?)m.LastId, cancellationToken) is { } old)
        {
            deleted += await DeleteUpToAsync(db, old, cancellationToken);
            await db.Marks.Where(m => m.LastId <= old).ExecuteDeleteAsync(cancellationToken);
        }

        var size = await db.Lines.SumAsync(l => (long)l.Text.Length, cancellationToken);
        if (size > settings.MaxSize)
        {
            // Down to nine tenths, so that a store at its limit is not trimmed a little every hour.
            deleted += await DeleteUpToAsync(db, await OldestAmountingToAsync(db, size - (settings.MaxSize / 10 * 9), cancellationToken),
                cancellationToken);
        }

        // Offsets of files read for the last time long ago; their services are no longer collected.
        await db.Files.Where(f => f.Finished && f.UpdatedAt < cutoff).ExecuteDeleteAsync(cancellationToken);
        if (deleted > 0)
        {
            logger.LogInformation("Deleted {Lines} stored log lines (retention {Retention}, at most {MaxSize} characters)", deleted,
                settings.Retention, settings.MaxSize);
        }
    }

    /// <summary>The id up to which the oldest lines hold at least this many characters.</summary>
    private static async Task<long> OldestAmountingToAsync(LogsDbContext db, long characters, CancellationToken cancellationToken)
    {
        long after = 0;
        while (true)
        {
            var page = await db.Lines.Where(l => l.Id > after).OrderBy(l => l.Id).Select(l
                => new { l.Id, l.Text.Length }).Take(Chunk).ToListAsync(cancellationToken);
            foreach (var line in page)
            {
                characters -= line.Length;
                if (characters <= 0)
                {
                    return line.Id;
                }
            }

            if (page.Count < Chunk)
            {
                return page.Count == 0 ? after : page[^1].Id;
            }

            after = page[^1].Id;
        }
    }

    private static async Task<long> DeleteUpToAsync(LogsDbContext db, long lastId, CancellationToken cancellationToken)
    {
        long deleted = 0;
        while (true)
        {
            var ids = await db.Lines.Where(l => l.Id <= lastId).OrderBy(l => l.Id).Select(l => l.Id).Take(Chunk).ToListAsync(cancellationToken);
            if (ids.Count == 0)
            {
                return deleted;
            }

            var upTo = ids[^1];
            deleted += await db.Lines.Where(l => l.Id <= upTo).ExecuteDeleteAsync(cancellationToken);
        }
    }
}
