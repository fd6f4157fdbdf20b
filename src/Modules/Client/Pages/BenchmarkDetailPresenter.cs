using Aibench.Shared.Components.Charts;
using Aibench.Client.Features;
using Aibench.Client.LoadGen;
using Aibench.Contracts;
using Aibench.Contracts.Client;
using Aibench.Shared.Text;

namespace Aibench.Client.Pages;

/// <summary>
/// The benchmark page's state and rules: when a read is still worth doing, what a read and the run's stored series
/// change, and the texts and numbers derived from them. The page does the reading and rendering.
/// </summary>
internal sealed class BenchmarkDetailPresenter
{
    public BenchmarkDetail? Detail { get; private set; }

    public Chart? Requests { get; private set; }

    public Chart? Tokens { get; private set; }

    public Chart? Latency { get; private set; }

    public Chart? Percentiles { get; private set; }

    public bool SeriesLoaded { get; private set; }

    public bool NotFound { get; set; }

    public string? Error { get; set; }

    /// <summary>A finished run no longer changes: the refresh loop has nothing to fetch.</summary>
    public bool Settled => NotFound || (Detail is not null && IsTerminal(Detail.Run.Status) && SeriesLoaded);

    /// <summary>Whether the run's per-second series should be read now: once, when it has ended with a summary.</summary>
    public bool SeriesDue => Detail is { Summary: not null } d && !SeriesLoaded && IsTerminal(d.Run.Status);

    public void Loaded(BenchmarkDetail detail)
    {
        Detail = detail;
        if (detail.Summary is { } summary)
        {
            Percentiles = BenchmarkCharts.LatencyPercentiles(summary.Overall);
        }

        Error = null;
    }

    public void SeriesRead(IReadOnlyList<SecondPoint> series)
    {
        if (series.Count > 0)
        {
            Requests = BenchmarkCharts.Requests(series);
            Tokens = BenchmarkCharts.Tokens(series);
            Latency = BenchmarkCharts.Latency(series);
        }

        SeriesLoaded = true;
    }

    public static bool IsTerminal(string status) => WireNames.TryParse<BenchmarkStatus>(status, out var s) && s.IsFinished();

    // Time is the best guess while a duration is set (warm-up is inside it); otherwise only finished steps count.
    public static double PercentDone(BenchmarkProgressed p, BenchmarkSpec spec) =>
        Duration.TryParse(spec.Duration, out var perStep) && perStep > TimeSpan.Zero && p.Steps > 0
            ? Math.Min(100, 100 * p.ElapsedSeconds / (perStep.TotalSeconds * p.Steps))
            : p.Steps == 0 ? 0 : 100.0 * (p.Step - 1) / p.Steps;

    public static IEnumerable<(string Name, Stats? Stats)> LatencyRows(StepResult o) =>
        [("TTFT", o.TtftMs), ("TPOT", o.TpotMs), ("ITL", o.ItlMs), ("E2E", o.E2eMs), ("Schedule lag", o.ScheduleLagMs)];

    public static string MismatchText(TokenTotals t) =>
        t.RequestsWithUsage == 0
            ? "server sent no usage"
            : $"input {Signed(t.InputMismatchPercent)}, output {Signed(t.OutputMismatchPercent)} over {Numbers.N(t.RequestsWithUsage)} requests";

    private static string Signed(double? percent) => percent is { } p ? (p > 0 ? "+" : "") + Numbers.N(p, "0.##") + " %" : Numbers.None;

    public static string Describe(BenchmarkSpec spec)
    {
        var load = spec.Load ?? new LoadShape(Concurrency: 1);
        var arrival = load.Arrival == "gamma" ? $"gamma arrivals (burstiness {Numbers.N(load.Burstiness)})" : $"{load.Arrival} arrivals";
        var shape = load.Kind switch
        {
            "rate" => $"{Numbers.N(load.Rate)} req/s, {arrival}",
            "ramp" => $"ramp {Numbers.N(load.From)} → {Numbers.N(load.To)} req/s, {arrival}",
            "sweep" when load.Rates is { Count: > 0 } r => $"sweep over {string.Join(", ", r.Select(x => Numbers.N(x)))} req/s, {arrival}",
            "sweep" => $"sweep over concurrency {string.Join(", ", load.Concurrencies ?? [])}",
            _ => $"concurrency {load.Concurrency ?? 1}",
        };
        var limits = new List<string>();
        if (spec.Duration is not null) limits.Add((load.Kind == "sweep" ? "" : "for ") + spec.Duration + (load.Kind == "sweep" ? " per step" : ""));
        if (spec.MaxRequests is not null) limits.Add($"at most {spec.MaxRequests} requests");
        if (spec.MeasuredRequests is not null) limits.Add($"{spec.MeasuredRequests} measured requests after the warm-up");
        if (spec.Warmup is not null) limits.Add($"{spec.Warmup} warm-up");
        if (load.MaxInFlight is not null) limits.Add($"at most {load.MaxInFlight} in flight");
        return limits.Count == 0 ? shape : $"{shape}; {string.Join(", ", limits)}";
    }
}
