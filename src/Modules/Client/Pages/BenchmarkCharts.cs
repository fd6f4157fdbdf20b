using Aibench.Client.LoadGen;
using Aibench.Shared.Components.Charts;

namespace Aibench.Client.Pages;

/// <summary>Turns a run's per-second series and latency stats into the dashboard's charts.</summary>
internal static class BenchmarkCharts
{
    // An SVG path per series with a point per second would make an hour-long run heavy for the browser and unreadable;
    // neighbouring seconds are averaged down to this many points.
    public const int MaxPoints = 240;

    public static readonly string[] Percentiles = ["mean", "p50", "p90", "p95", "p99", "p99.9", "max"];

    private static readonly ChartAxis Elapsed = new("time since start", "s");

    public static Chart Requests(IReadOnlyList<SecondPoint> series)
    {
        var buckets = Buckets(series);
        return new Chart(Elapsed, new ChartAxis("requests", "per s"), [
            Line("completed req/s", buckets, b => b.Average(p => p.Completed)),
            Line("sent req/s", buckets, b => b.Average(p => p.Sent)),
            Line("errors/s", buckets, b => b.Average(p => p.Errors)),
        ]);
    }

    public static Chart Tokens(IReadOnlyList<SecondPoint> series)
    {
        var buckets = Buckets(series);
        return new Chart(Elapsed, new ChartAxis("output tokens", "per s"), [Line("output tok/s", buckets, b => b.Average(p => p.OutputTokens))]);
    }

    public static Chart Latency(IReadOnlyList<SecondPoint> series)
    {
        var buckets = Buckets(series);
        return new Chart(Elapsed, new ChartAxis("latency", "ms"), [
            Line("TTFT mean (client)", buckets, b => Mean(b.Select(p => p.TtftMeanMs))),
            Line("E2E mean (client)", buckets, b => Mean(b.Select(p => p.E2eMeanMs))),
        ]);
    }

    /// <summary>Each latency's percentiles on a log scale: E2E (seconds) would otherwise flatten TPOT (milliseconds).</summary>
    public static Chart LatencyPercentiles(StepResult overall) =>
        Chart.OverCategories(new ChartAxis("percentile"), new ChartAxis("latency", "ms", Log: true), Percentiles,
            new[] { ("TTFT", overall.TtftMs), ("TPOT", overall.TpotMs), ("ITL", overall.ItlMs), ("E2E", overall.E2eMs) }
                .Where(x => x.Item2 is not null)
                .Select(x => (x.Item1 + " (client)", (IReadOnlyList<double?>)[x.Item2!.Mean, x.Item2.P50, x.Item2.P90, x.Item2.P95,
                    x.Item2.P99, x.Item2.P999, x.Item2.Max])));

    private static List<SecondPoint[]> Buckets(IReadOnlyList<SecondPoint> series)
    {
        var size = Math.Max(1, (int)Math.Ceiling(series.Count / (double)MaxPoints));
        return [.. series.Chunk(size)];
    }

    private static double? Mean(IEnumerable<double?> values)
    {
        var known = values.OfType<double>().ToList();
        return known.Count == 0 ? null : known.Average();
    }

    private static ChartLine Line(string name, List<SecondPoint[]> buckets, Func<SecondPoint[], double?> value) =>
        new(name, [.. buckets.Select(b => new ChartPoint(b[0].T, value(b) is { } v ? Math.Round(v, 3) : null))]);
}
