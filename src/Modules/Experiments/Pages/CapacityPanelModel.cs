using Aibench.Experiments.Planning;
using Aibench.Shared.Text;
using Aibench.Shared.Components.Charts;

namespace Aibench.Experiments.Pages;

/// <summary>One probe of the capacity panel's table, as printed.</summary>
/// <param name="Verdict"><c>passed</c>, <c>failed</c>, <c>stopped early</c>, <c>client-limited</c> or <c>running</c>.</param>
internal sealed record CapacityPanelRow(
    string Index, string Rate, string Achieved, string Measured, string Met, string Goodput, string Throughput, string TtftP90, string Verdict);

/// <summary>
/// What the capacity panel shows, worked out from a <see cref="CapacityOutcome"/> without rendering (tested fast): the
/// headline, the interval, what broke first, one row per probe and the goodput curve (probes in rate order).
/// </summary>
internal sealed record CapacityPanelModel(
    string Headline,
    string? Interval,
    string? BrokeFirst,
    bool AtLeast,
    bool Running,
    IReadOnlyList<CapacityPanelRow> Rows,
    Chart Curve)
{
    public static CapacityPanelModel Of(CapacityOutcome c, double target, double maxErrorRate = Planning.ExperimentSlo.DefaultMaxErrorRate)
    {
        var running = c.Ended == "running";
        var closed = c.Mode == ExperimentCapacity.ConcurrencyMode;
        var unit = closed ? "in flight" : "req/s";
        var headline = c.Rate is { } rate
            ? $"{(c.AtLeast ? "at least " : "")}{Numbers.N(rate, "0.###")} {unit}"
                + (closed && c.RequestRate is { } carried ? $" · {Numbers.N(carried, "0.##")} req/s" : "")
                + (c.OutputTokensPerSecond is { } tps ? $" · {Numbers.N(tps, "0.#")} output tokens/s" : "")
            : c.Upper is { } upper ? $"below {Numbers.N(upper, "0.###")} {unit}" : "searching…";
        var interval = c.Lower is { } lo && c.Upper is { } hi
            ? $"passed at {Numbers.N(lo, "0.###")}, failed at {Numbers.N(hi, "0.###")} {unit}: ± {Numbers.N(c.HalfWidthPercent, "0.#")} %"
            : null;
        var rows = c.Probes.Select(p => new CapacityPanelRow(
            p.Index.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Numbers.N(p.Rate, "0.###"),
            p.Finished ? Numbers.N(p.AchievedRate, "0.##") : Numbers.None,
            p.Finished ? Numbers.N(p.Measured) : Numbers.None,
            p.Finished ? Numbers.Percent(p.Attainment) : Numbers.None,
            p.Finished ? Numbers.N(p.Goodput, "0.##") : Numbers.None,
            p.Finished ? Numbers.N(p.RequestThroughput, "0.##") : Numbers.None,
            p.Finished ? Numbers.Ms(p.TtftP90Ms) : Numbers.None,
            Verdict(p, target, maxErrorRate))).ToList();
        var curve = c.Probes.Where(p => p.Finished).OrderBy(p => p.Rate).ThenBy(p => p.Index).ToList();
        return new CapacityPanelModel(headline, interval, c.BrokeFirst, c.AtLeast, running, rows,
            new Chart(closed ? new ChartAxis("requests in flight") : new ChartAxis("offered load", "req/s"), new ChartAxis("carried", "req/s"),
            [
                // Open loop: what a perfect service would carry, so the gap to it is what the service drops or delays.
                .. closed ? Array.Empty<ChartLine>()
                    : [new ChartLine("offered", [.. curve.Select(p => new ChartPoint(p.Rate, p.Rate))], Dashed: true)],
                new ChartLine("throughput", [.. curve.Select(p => new ChartPoint(p.Rate, p.RequestThroughput))]),
                new ChartLine("goodput (within SLO)", [.. curve.Select(p => new ChartPoint(p.Rate, p.Goodput))]),
            ]));
    }

    /// <summary>A probe on its own (a rate probed more than once is decided on its pooled requests by the search).</summary>
    private static string Verdict(CapacityProbe p, double target, double maxErrorRate) =>
        !p.Finished ? "running"
        : p.ClientLimited ? "client-limited"
        : p.StoppedEarly ? "stopped early"
        : p.Attainment >= target && p.ErrorRate <= maxErrorRate ? "passed" : "failed";
}
