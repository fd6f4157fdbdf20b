using Aibench.Logs.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Aibench.Logs.Loki;

/// <summary>What one <see cref="LokiForwarder.ForwardOnceAsync"/> did.</summary>
/// <param name="Sent">Lines Loki accepted.</param>
/// <param name="Dropped">Lines Loki refused as bad (400) and that will never be sent again.</param>
/// <param name="Failed">Loki could not be reached or asked to wait; the rest stays for the next attempt.</param>
internal sealed record ForwardResult(int Sent, int Dropped, bool Failed);

/// <summary>
/// Sends the stored log lines to Loki in Id (arrival) order, from the position stored for that Loki. The position moves
/// only after Loki accepted a batch, so a crash or an outage repeats at most the batch in flight and loses nothing.
/// </summary>
internal sealed class LokiForwarder(
    IDbContextFactory<LogsDbContext> dbFactory,
    LokiClient client,
    LokiSettings settings,
    TimeProvider time,
    ILogger<LokiForwarder> logger) : IDisposable
{
    internal static readonly Counter SentTotal = Metrics.CreateCounter("aibench_logs_loki_sent_total", "Log lines Loki accepted.");
    internal static readonly Counter DroppedTotal = Metrics.CreateCounter("aibench_logs_loki_dropped_total",
        "Log lines Loki refused with 400 (too old, too long, bad labels); they are not sent again.");

    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(60);

    // One forwarding at a time in this process: the recurring job and a direct caller must not read the same position twice.
    private readonly SemaphoreSlim _gate = new(1, 1);

    // Newest timestamp Loki has of each stream (by its label key). Kept in memory only: after a restart Loki's own
    // out-of-order window (unordered_writes) covers the first batch.
    private readonly Dictionary<string, long> _lastSent = new(StringComparer.Ordinal);

    private int _failures;

    /// <summary>How long to wait before the next attempt: the interval, or an exponential back-off with jitter after failures.</summary>
    public TimeSpan NextDelay
    {
        get
        {
            if (_failures == 0)
            {
                return settings.Interval;
            }

            var backoff = Math.Min(MaxBackoff.TotalSeconds, Math.Pow(2, Math.Min(_failures - 1, 10)));
            // Jitter: many hosts that lost the same Loki do not all come back in the same second.
            return TimeSpan.FromSeconds(backoff * (0.8 + (Random.Shared.NextDouble() * 0.4)));
        }
    }

    /// <summary>Sends every line after the stored position, batch by batch, until none are left or Loki fails.</summary>
    public async Task<ForwardResult> ForwardOnceAsync(CancellationToken cancellationToken)
    {
        if (settings.Url is null)
        {
            return new ForwardResult(0, 0, false);
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var sent = 0;
            var dropped = 0;
            var key = settings.Url.ToString();
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var position = await db.LokiPositions.FirstOrDefaultAsync(p => p.Url == key, cancellationToken);
            if (position is null)
            {
                position = new LokiPosition { Url = key, LastId = 0, UpdatedAt = time.GetUtcNow() };
                db.LokiPositions.Add(position);
                await db.SaveChangesAsync(cancellationToken);
            }

            while (true)
            {
                var after = position.LastId;
                var batch = await db.Lines.AsNoTracking().Where(l => l.Id > after).OrderBy(l
                    => l.Id).Take(settings.BatchSize).ToListAsync(cancellationToken);
                if (batch.Count == 0)
                {
                    _failures = 0;
                    return new ForwardResult(sent, dropped, false);
                }

                var progress = new Progress();
                await PushAsync(batch.ToArray(), progress, cancellationToken);
                sent += progress.Sent;
                dropped += progress.Dropped;
                if (progress.DoneUpTo is { } done)
                {
                    position.LastId = done;
                    position.UpdatedAt = time.GetUtcNow();
                    await db.SaveChangesAsync(cancellationToken);
                }

                if (progress.Failure is { } failure)
                {
                    _failures++;
                    logger.LogWarning("Loki at {Url} is unavailable ({Status}: {Detail}); {Count} lines wait from Id {Id}, next try in "
                        + "about {Delay:0}s",
                        key, failure.Status?.ToString() ?? "no answer", failure.Detail, batch.Count, position.LastId + 1, NextDelay.TotalSeconds);
                    return new ForwardResult(sent, dropped, true);
                }

                _failures = 0;
                if (batch.Count < settings.BatchSize)
                {
                    return new ForwardResult(sent, dropped, false);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Pushes the lines (in Id order); on a 400 splits them in halves until the refused lines are alone and drops just those.
    /// Stops at the first unavailability so that <see cref="Progress.DoneUpTo"/> is always a gap-free prefix.
    /// </summary>
    private async Task PushAsync(ArraySegment<LogLine> lines, Progress progress, CancellationToken cancellationToken)
    {
        var (streams, newest) = Group(lines);
        var result = await client.PushAsync(settings, streams, cancellationToken);
        switch (result.Outcome)
        {
            case PushOutcome.Accepted:
                foreach (var (stream, nanos) in newest)
                {
                    _lastSent[stream] = nanos;
                }

                SentTotal.Inc(lines.Count);
                progress.Sent += lines.Count;
                progress.DoneUpTo = lines[^1].Id;
                return;
            case PushOutcome.Refused when lines.Count == 1:
                DroppedTotal.Inc();
                progress.Dropped++;
                progress.DoneUpTo = lines[0].Id;
                logger.LogWarning("Loki refused log line {Id} ({Status}: {Detail}); it is dropped", lines[0].Id, result.Status, result.Detail);
                return;
            case PushOutcome.Refused:
                var half = lines.Count / 2;
                await PushAsync(lines[..half], progress, cancellationToken);
                if (progress.Failure is null)
                {
                    await PushAsync(lines[half..], progress, cancellationToken);
                }

                return;
            default:
                progress.Failure = result;
                return;
        }
    }

    private (List<LokiStream> Streams, Dictionary<string, long> Newest) Group(IEnumerable<LogLine> lines)
    {
        var streams = new List<LokiStream>();
        var newest = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var group in lines.GroupBy(Labels, LabelComparer.Instance))
        {
            var key = LabelComparer.Key(group.Key);
            var last = _lastSent.GetValueOrDefault(key, long.MinValue);
            var entries = new List<LokiEntry>();
            // Sorted by time within the batch (then by arrival), and never older than what Loki already has of this stream:
            // Loki without unordered_writes refuses an older entry with 400, which would drop a line that is only late.
            // Moving a late line to the stream's newest time keeps it, a little misdated, next to its neighbours.
            foreach (var line in group.OrderBy(l => l.Timestamp).ThenBy(l => l.Id))
            {
                last = Math.Max(last, LokiClient.ToUnixNanos(line.Timestamp));
                entries.Add(new LokiEntry(last, line.Text));
            }

            newest[key] = last;
            streams.Add(new LokiStream(group.Key, entries));
        }

        return (streams, newest);
    }

    /// <summary>The label set of a line; labels without a value are left out, as Loki treats an empty label as absent.</summary>
    internal static SortedDictionary<string, string> Labels(LogLine line)
    {
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["job"] = "aibench", ["stream"] = line.Stream };
        if (line.ServiceId is { } service)
        {
            labels["service"] = service.ToString();
        }

        if (line.BenchmarkId is { } benchmark)
        {
            labels["benchmark"] = benchmark.ToString();
        }

        if (line.ExperimentId is { } experiment)
        {
            labels["experiment"] = experiment.ToString();
        }

        if (!string.IsNullOrEmpty(line.Node))
        {
            labels["node"] = line.Node;
        }

        if (!string.IsNullOrEmpty(line.Level))
        {
            labels["level"] = line.Level;
        }

        return labels;
    }

    private sealed class Progress
    {
        public int Sent { get; set; }
        public int Dropped { get; set; }
        public long? DoneUpTo { get; set; }
        public PushResult? Failure { get; set; }
    }

    private sealed class LabelComparer : IEqualityComparer<SortedDictionary<string, string>>
    {
        public static readonly LabelComparer Instance = new();

        public static string Key(SortedDictionary<string, string> labels) => string.Join('\u001f', labels.Select(l => $"{l.Key}={l.Value}"));

        public bool Equals(SortedDictionary<string, string>? x, SortedDictionary<string, string>? y) =>
            x is not null && y is not null && Key(x) == Key(y);

        public int GetHashCode(SortedDictionary<string, string> obj) => StringComparer.Ordinal.GetHashCode(Key(obj));
    }

    /// <summary>A singleton of the host: its gate goes with the host's container.</summary>
    public void Dispose() => _gate.Dispose();
}
