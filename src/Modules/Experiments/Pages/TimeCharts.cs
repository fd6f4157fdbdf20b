using Aibench.Contracts.Client;
using Aibench.Experiments.Features;
using Aibench.Shared.Components;

namespace Aibench.Experiments.Pages;

/// <summary>
/// The experiment page's lines from the load's progress and the Client's per-second series; <see cref="TimeChart.Build"/>
/// lays them on one wall-clock grid with the service's own lines (Monitor's service-charts slot).
/// </summary>
internal static class TimeCharts
{
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
        [new("TTFT mean (client)",
            [.. history.Where(h => h.Progress.TtftMeanMs is not null).Select(h => new TimePoint(h.At, h.Progress.TtftMeanMs!.Value))])];

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
        Seconds(run, "TTFT mean (client)", s => s.TtftMeanMs),
        Seconds(run, "E2E mean (client)", s => s.E2eMeanMs),
    ];

    private static TimeLine Seconds(BenchmarkResult run, string name, Func<BenchmarkSecond, double?> value)
    {
        var start = run.StartedAt ?? DateTimeOffset.UnixEpoch;
        return new TimeLine(name, [.. run.Series.Where(s => value(s) is not null).Select(s
            => new TimePoint(start.AddSeconds(s.T), value(s)!.Value))]);
    }

    private static TimePoint[] Deltas(IReadOnlyList<ProgressPoint> history, Func<BenchmarkProgressed, long> total) =>
        [.. history.Skip(1).Zip(history).Select(x => new TimePoint(x.First.At, Math.Max(0, total(x.First.Progress) - total(x.Second.Progress))))];
}
