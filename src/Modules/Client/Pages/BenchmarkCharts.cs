using System.Globalization;
using Aibench.Client.LoadGen;
using MudBlazor;

namespace Aibench.Client.Pages;

/// <summary>A line or bar chart ready for <c>MudChart</c>.</summary>
internal sealed record ChartModel(string[] Labels, List<ChartSeries<double>> Series);

/// <summary>Turns a run's per-second series and latency stats into chart data.</summary>
internal static class BenchmarkCharts
{
    // An SVG path per series with a point per second would make an hour-long run heavy for the browser and unreadable;
    // neighbouring seconds are averaged down to this many points.
    public const int MaxPoints = 240;

    private const int MaxLabels = 12;

    public static readonly string[] Percentiles = ["mean", "p50", "p90", "p95", "p99", "p99.9", "max"];

    public static ChartModel Requests(IReadOnlyList<SecondPoint> series)
    {
        var buckets = Buckets(series);
        return new ChartModel(Labels(buckets), [
            Line("completed req/s", buckets.Select(b => (double?)b.Average(p => p.Completed))),
            Line("sent req/s", buckets.Select(b => (double?)b.Average(p => p.Sent))),
            Line("errors/s", buckets.Select(b => (double?)b.Average(p => p.Errors))),
        ]);
    }

    public static ChartModel Tokens(IReadOnlyList<SecondPoint> series)
    {
        var buckets = Buckets(series);
        return new ChartModel(Labels(buckets), [
            Line("output tok/s", buckets.Select(b => (double?)b.Average(p => p.OutputTokens))),
        ]);
    }

    public static ChartModel Latency(IReadOnlyList<SecondPoint> series)
    {
        var buckets = Buckets(series);
        return new ChartModel(Labels(buckets), [
            Line("TTFT mean (ms)", buckets.Select(b => Mean(b.Select(p => p.TtftMeanMs)))),
            Line("E2E mean (ms)", buckets.Select(b => Mean(b.Select(p => p.E2eMeanMs)))),
        ]);
    }

    public static ChartModel LatencyPercentiles(StepResult overall)
    {
        var series = new List<ChartSeries<double>>();
        foreach (var (name, stats) in new[] { ("TTFT", overall.TtftMs), ("TPOT", overall.TpotMs), ("ITL", overall.ItlMs), ("E2E", overall.E2eMs) })
        {
            if (stats is null) continue;
            series.Add(new ChartSeries<double>
            {
                Name = name,
                Data = new ChartData<double>(new[] { stats.Mean, stats.P50, stats.P90, stats.P95, stats.P99, stats.P999, stats.Max }),
            });
        }

        return new ChartModel(Percentiles, series);
    }

    private static List<SecondPoint[]> Buckets(IReadOnlyList<SecondPoint> series)
    {
        var size = Math.Max(1, (int)Math.Ceiling(series.Count / (double)MaxPoints));
        return [.. series.Chunk(size)];
    }

    private static string[] Labels(List<SecondPoint[]> buckets)
    {
        var every = Math.Max(1, (int)Math.Ceiling(buckets.Count / (double)MaxLabels));
        return [.. buckets.Select((b, i) => i % every == 0 ? b[0].T.ToString(CultureInfo.InvariantCulture) + "s" : "")];
    }

    private static double? Mean(IEnumerable<double?> values)
    {
        var known = values.OfType<double>().ToList();
        return known.Count == 0 ? null : Math.Round(known.Average(), 3);
    }

    private static ChartSeries<double> Line(string name, IEnumerable<double?> values) =>
        new() { Name = name, Data = new ChartData<double>(values.Select(v => v is { } x ? (double?)Math.Round(x, 3) : null).ToArray()) };
}
