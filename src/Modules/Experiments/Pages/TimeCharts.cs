using System.Globalization;
using System.Text.RegularExpressions;
using Aibench.Contracts.Client;
using Aibench.Contracts.Monitor;
using Aibench.Experiments.Features;
using MudBlazor;

namespace Aibench.Experiments.Pages;

/// <summary>One value of a line at one time.</summary>
internal readonly record struct TimePoint(DateTimeOffset T, double V);

/// <summary>A named line before it is laid on a chart's time grid.</summary>
internal sealed record TimeLine(string Name, IReadOnlyList<TimePoint> Points);

/// <summary>A line chart ready for <c>MudChart</c>: every series has a value or a gap at each label.</summary>
internal sealed record TimeChart(string[] Labels, List<ChartSeries<double>> Series)
{
    public static readonly TimeChart Empty = new([], []);

    public bool IsEmpty => Series.Count == 0;
}

/// <summary>
/// Lays lines from different sources (the load's progress, the Client's per-second series, Monitor's scrapes) on one
/// wall-clock grid, so that a chart's lines line up whatever their source.
/// </summary>
internal static partial class TimeCharts
{
    // An SVG path with a point per second of an hour-long run is heavy for the browser and unreadable: neighbouring
    // points are averaged into at most this many buckets.
    public const int MaxPoints = 240;

    private const int MaxLabels = 8;

    public static TimeChart Build(IEnumerable<TimeLine> lines)
    {
        var kept = lines.Where(l => l.Points.Count > 0).ToList();
        if (kept.Count == 0)
        {
            return TimeChart.Empty;
        }

        var from = kept.Min(l => l.Points.Min(p => p.T));
        var to = kept.Max(l => l.Points.Max(p => p.T));
        var bucket = TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling((to - from).TotalSeconds / MaxPoints)));
        var count = (int)((to - from) / bucket) + 1;
        var series = new List<ChartSeries<double>>(kept.Count);
        foreach (var line in kept)
        {
            var sums = new double[count];
            var counts = new int[count];
            foreach (var p in line.Points.Where(p => double.IsFinite(p.V)))
            {
                var i = Math.Clamp((int)((p.T - from) / bucket), 0, count - 1);
                sums[i] += p.V;
                counts[i]++;
            }

            var values = new double?[count];
            for (var i = 0; i < count; i++)
            {
                values[i] = counts[i] == 0 ? null : Math.Round(sums[i] / counts[i], 3);
            }

            Bridge(values);
            series.Add(new ChartSeries<double> { Name = line.Name, Data = new ChartData<double>(values) });
        }

        var every = Math.Max(1, (int)Math.Ceiling(count / (double)MaxLabels));
        var labels = Enumerable.Range(0, count)
            .Select(i => i % every == 0 ? (from + (bucket * i)).UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture) : "")
            .ToArray();
        return new TimeChart(labels, series);
    }

    /// <summary>
    /// Draws straight across the buckets a line has no point in between two it has. Sources tick at their own pace
    /// (progress about every second with jitter, scrapes every few seconds), so on a finer grid a line would otherwise
    /// fall apart into dots; before its first and after its last point it stays empty.
    /// </summary>
    private static void Bridge(double?[] values)
    {
        var last = -1;
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] is not { } v)
            {
                continue;
            }

            if (last >= 0 && i - last > 1)
            {
                var start = values[last]!.Value;
                for (var j = last + 1; j < i; j++)
                {
                    values[j] = Math.Round(start + ((v - start) * (j - last) / (i - last)), 3);
                }
            }

            last = i;
        }
    }

    /// <summary>Request rates and concurrency while the load runs, from its progress reports (one a second).</summary>
    public static IEnumerable<TimeLine> LiveRequests(IReadOnlyList<ProgressPoint> history) =>
    [
        new("completed req/s", [.. history.Select(h => new TimePoint(h.At, h.Progress.RequestsPerSecond))]),
        new("errors/s", Deltas(history, p => p.Errors)),
        new("in flight", [.. history.Select(h => new TimePoint(h.At, h.Progress.InFlight))]),
    ];

    public static IEnumerable<TimeLine> LiveTokens(IReadOnlyList<ProgressPoint> history) =>
        [new("output tok/s", [.. history.Select(h => new TimePoint(h.At, h.Progress.OutputTokensPerSecond))])];

    public static IEnumerable<TimeLine> LiveLatency(IReadOnlyList<ProgressPoint> history) =>
        [new("TTFT mean, client (ms)", [.. history.Where(h => h.Progress.TtftMeanMs is not null).Select(h => new TimePoint(h.At, h.Progress.TtftMeanMs!.Value))])];

    /// <summary>The same lines from the run's stored per-second series, once it ended.</summary>
    public static IEnumerable<TimeLine> Requests(BenchmarkResult run) =>
    [
        Seconds(run, "completed req/s", s => s.Completed),
        Seconds(run, "sent req/s", s => s.Sent),
        Seconds(run, "errors/s", s => s.Errors),
    ];

    public static IEnumerable<TimeLine> Tokens(BenchmarkResult run) => [Seconds(run, "output tok/s", s => s.OutputTokens)];

    public static IEnumerable<TimeLine> Latency(BenchmarkResult run) =>
    [
        Seconds(run, "TTFT mean, client (ms)", s => s.TtftMeanMs),
        Seconds(run, "E2E mean, client (ms)", s => s.E2eMeanMs),
    ];

    /// <summary>Monitor's series as lines: one per label set, named by its replica when it has one, scaled to the chart's unit.</summary>
    public static IEnumerable<TimeLine> Metric(string name, IReadOnlyList<MetricSeries> series, double scale = 1) =>
        series.Select(s => new TimeLine(
            ReplicaOf(s.Labels) is { } replica && series.Count > 1 ? $"{name} r{replica}" : name,
            [.. s.Points.Select(p => new TimePoint(p.T, p.V * scale))]));

    private static TimeLine Seconds(BenchmarkResult run, string name, Func<BenchmarkSecond, double?> value)
    {
        var start = run.StartedAt ?? DateTimeOffset.UnixEpoch;
        return new TimeLine(name, [.. run.Series.Where(s => value(s) is not null).Select(s => new TimePoint(start.AddSeconds(s.T), value(s)!.Value))]);
    }

    private static TimePoint[] Deltas(IReadOnlyList<ProgressPoint> history, Func<BenchmarkProgressed, long> total) =>
        [.. history.Skip(1).Zip(history).Select(x => new TimePoint(x.First.At, Math.Max(0, total(x.First.Progress) - total(x.Second.Progress))))];

    private static string? ReplicaOf(string labels) => ReplicaLabel().Match(labels) is { Success: true } m ? m.Groups[1].Value : null;

    [GeneratedRegex("replica=\"([^\"]*)\"")]
    private static partial Regex ReplicaLabel();
}
