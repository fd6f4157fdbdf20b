using System.Diagnostics;
using Aibench.Monitor.Persistence;
using Aibench.Monitor.Scraping;
using Aibench.Shared.Modules;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Aibench.Monitor.Jobs;

/// <summary>
/// One scrape of every target, stored as samples with the target's labels. Idempotent enough to repeat: a repeated
/// run stores a second set of samples a moment later, as Prometheus would. Never retried: the next scrape is seconds away.
/// A target that is down or answers garbage is recorded as such and never fails the others.
/// </summary>
[AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
[DisableConcurrentExecution(timeoutInSeconds: 30)]
internal sealed class ScrapeJob(
    IDbContextFactory<MonitorDbContext> dbFactory,
    TargetSource targets,
    Scraper scraper,
    SampleWriter writer,
    MonitorSettings settings,
    TimeProvider time,
    ILogger<ScrapeJob> logger) : IRecurringJob
{
    public const string RecurringId = "monitor:scrape";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var list = new List<Target>(await targets.ServiceTargetsAsync(cancellationToken));
        if (settings.ScrapeHost)
        {
            list.Add(Scraper.HostTarget);
        }

        var started = Stopwatch.GetTimestamp();
        var results = await Task.WhenAll(list.Select(t => scraper.ScrapeAsync(t, cancellationToken)));
        var now = time.GetUtcNow();

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var nowMs = now.ToUnixTimeMilliseconds();
        await writer.AddAsync(db, [.. results.SelectMany(r => r.Samples.Select(sample => new NewSample(
            new SeriesKey(r.Target.ServiceId, r.Target.ExperimentId, sample.Name, sample.Labels), sample.TimestampMs ?? nowMs, sample.Value)))],
            cancellationToken);
        var known = await db.Targets.ToDictionaryAsync(t => t.Key, cancellationToken);
        foreach (var result in results)
        {
            var target = result.Target;
            if (!known.Remove(target.Key, out var status))
            {
                status = new ScrapeTarget { Key = target.Key, Kind = target.Kind, Url = target.Url.ToString() };
                db.Targets.Add(status);
            }

            status.ServiceId = target.ServiceId;
            status.ExperimentId = target.ExperimentId;
            status.Url = target.Url.ToString();
            status.Replica = target.Replica;
            status.Node = target.Node;
            status.Up = result.Error is null;
            status.LastScrapeAt = now;
            status.LastDurationMs = Math.Round(result.Duration.TotalMilliseconds, 3);
            status.LastSamples = result.Samples.Count;
            status.LastMalformed = result.Malformed;
            status.LastError = result.Error;
        }

        // Targets of services that are no longer ready are forgotten; their samples stay.
        db.Targets.RemoveRange(known.Values);
        await db.SaveChangesAsync(cancellationToken);
        logger.LogDebug("Scraped {Targets} targets, {Samples} samples in {Ms:0.0} ms", results.Length, results.Sum(r => r.Samples.Count),
            Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }
}
