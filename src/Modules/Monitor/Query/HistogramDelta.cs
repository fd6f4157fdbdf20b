using System.Globalization;
using Aibench.Contracts.Monitor;
using Aibench.Monitor.Scraping;

namespace Aibench.Monitor.Query;

/// <summary>One stored series (a name and its label set) with its samples in time order.</summary>
internal sealed record StoredSeries(string Name, string Labels, IReadOnlyList<Point> Points);

/// <summary>
/// A histogram over a window, from its cumulative samples: the increase of every bucket, of the sum and of the count
/// between two scrapes, added over the replicas; the mean is Δsum/Δcount and the quantiles are histogram_quantile over
/// the Δbuckets, as <c>histogram_quantile(q, sum by (le) (increase(x_bucket[w])))</c> would give without
/// Prometheus' extrapolation to the window's edges (an increase between two real scrapes is exact).
/// </summary>
internal static class HistogramDelta
{
    private static readonly string[] ReplicaLabels = ["replica", "node", "instance", "exported_instance"];

    /// <summary>
    /// The increase of one counter between the first sample at or after <paramref name="fromMs"/> and the first at or
    /// after <paramref name="toMs"/> (at most <paramref name="graceMs"/> later), or else the last one before
    /// <paramref name="toMs"/>. Counter resets count as restarts from 0, as PromQL's increase does. Null when fewer
    /// than two samples bound the window.
    /// </summary>
    public static (double Delta, long StartMs, long EndMs)? Increase(IReadOnlyList<Point> points, long fromMs, long toMs, long graceMs)
    {
        var first = -1;
        for (var i = 0; i < points.Count; i++)
        {
            if (points[i].TimestampMs >= fromMs)
            {
                first = i;
                break;
            }
        }

        if (first < 0 || points[first].TimestampMs > toMs + graceMs)
        {
            return null;
        }

        var last = -1;
        for (var i = first; i < points.Count && points[i].TimestampMs <= toMs + graceMs; i++)
        {
            last = i;
            if (points[i].TimestampMs >= toMs) break;
        }

        if (last <= first)
        {
            return null;
        }

        var delta = 0.0;
        for (var i = first + 1; i <= last; i++)
        {
            var step = points[i].Value - points[i - 1].Value;
            delta += step >= 0 ? step : points[i].Value;
        }

        return (delta, points[first].TimestampMs, points[last].TimestampMs);
    }

    /// <summary>
    /// One histogram (<paramref name="metric"/> without the <c>_bucket</c>/<c>_sum</c>/<c>_count</c> suffix) over the
    /// window, added over every series of it in <paramref name="series"/>; null when it recorded nothing there.
    /// </summary>
    public static ServerLatency? Latency(string metric, IReadOnlyList<StoredSeries> series, long fromMs, long toMs, long graceMs)
    {
        double count = 0, sum = 0;
        var buckets = new Dictionary<double, double>();
        foreach (var s in series)
        {
            if (Increase(s.Points, fromMs, toMs, graceMs) is not { } increase) continue;
            if (s.Name == metric + "_count")
            {
                count += increase.Delta;
            }
            else if (s.Name == metric + "_sum")
            {
                sum += increase.Delta;
            }
            else if (s.Name == metric + "_bucket" && LabelText.Parse(s.Labels).GetValueOrDefault("le") is { } le && TryBound(le, out var bound))
            {
                buckets[bound] = buckets.GetValueOrDefault(bound) + increase.Delta;
            }
        }

        if (count <= 0)
        {
            return null;
        }

        var sorted = buckets.Select(b => (UpperBound: b.Key, Count: b.Value)).OrderBy(b => b.UpperBound).ToList();
        return new ServerLatency(metric, (long)Math.Round(count), Ms(sum / count), Quantile(0.5, sorted), Quantile(0.9, sorted),
            Quantile(0.99, sorted));
    }

    /// <summary>Scrape targets (replicas) among the series, told apart by the labels aibench adds.</summary>
    public static int Targets(IEnumerable<StoredSeries> series) =>
        series.Select(s => LabelText.Parse(s.Labels))
            .Select(l => string.Join("\u0001", ReplicaLabels.Select(k => l.GetValueOrDefault(k) ?? "")))
            .Distinct(StringComparer.Ordinal)
            .Count();

    /// <summary>The scrape times the deltas of these series span (the earliest start, the latest end).</summary>
    public static (long StartMs, long EndMs)? Span(IEnumerable<StoredSeries> series, long fromMs, long toMs, long graceMs)
    {
        long? start = null, end = null;
        foreach (var s in series)
        {
            if (Increase(s.Points, fromMs, toMs, graceMs) is not { } increase) continue;
            start = Math.Min(start ?? long.MaxValue, increase.StartMs);
            end = Math.Max(end ?? long.MinValue, increase.EndMs);
        }

        return start is { } a && end is { } b ? (a, b) : null;
    }

    private static ServerQuantile? Quantile(double q, IReadOnlyList<(double UpperBound, double Count)> buckets)
    {
        var value = PromFunctions.HistogramQuantile(q, buckets);
        if (!double.IsFinite(value))
        {
            return null;
        }

        // The bucket it was interpolated in: the first whose upper bound reaches the value (the +Inf bucket answers the
        // highest finite bound, which this finds too).
        var finite = buckets.Select(b => b.UpperBound).Where(double.IsFinite).ToList();
        var index = finite.FindIndex(b => b >= value);
        var upper = index < 0 ? finite[^1] : finite[index];
        var lower = index > 0 ? finite[index - 1] : 0;
        return new ServerQuantile(Ms(value), Ms(lower), Ms(upper));
    }

    private static double Ms(double seconds) => Math.Round(seconds * 1000, 3);

    private static bool TryBound(string le, out double bound) =>
        double.TryParse(le == "+Inf" ? "Infinity" : le, NumberStyles.Float, CultureInfo.InvariantCulture, out bound);
}
