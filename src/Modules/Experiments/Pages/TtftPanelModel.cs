using Aibench.Experiments.Planning;
using Aibench.Shared.Text;

namespace Aibench.Experiments.Pages;

/// <summary>One row of the TTFT panel's table, as printed.</summary>
internal sealed record TtftPanelRow(string Name, string Source, string Metric, string Count, string Mean, string P50, string P90, string P99);

/// <summary>
/// What the TTFT panel shows, worked out from the result's <see cref="TtftBreakdown"/> without rendering anything (so
/// it is tested fast): the equation at the mean (exact) and at the median (approximate), the table of every latency
/// with its source, the verdict and the notes.
/// </summary>
/// <param name="MeanEquation">TTFT = queue + prefill + remainder, at the mean; null when TTFT cannot be taken apart.</param>
/// <param name="P50Equation">The same at p50, marked approximate with its uncertainty; null without server quantiles.</param>
/// <param name="Large">Whether the remainder is large (the network or the client).</param>
/// <param name="Verdict">The breakdown's sentence.</param>
/// <param name="Window">Which scrapes the server's numbers span, and how many replicas.</param>
internal sealed record TtftPanelModel(
    string? MeanEquation,
    string? P50Equation,
    bool Large,
    string Verdict,
    string Window,
    IReadOnlyList<TtftPanelRow> Rows,
    IReadOnlyList<string> Notes)
{
    public static TtftPanelModel Of(TtftBreakdown b)
    {
        var mean = b.Mean is { } m
            ? $"mean: TTFT {Numbers.Ms(m.TtftMs)} ms (client) = queue {Numbers.Ms(m.QueueMs)} ms (server) + prefill {Numbers.Ms(m.PrefillMs)} ms "
                + $"(server) + {Numbers.Ms(m.RemainderMs)} ms network and client ({Numbers.Percent(m.Share)})"
            : null;
        var p50 = b.P50 is { } p
            ? $"p50 (approximate, percentiles do not add): TTFT {Numbers.Ms(p.TtftMs)} ms ≈ queue {Numbers.Ms(p.QueueMs)} + prefill "
                + $"{Numbers.Ms(p.PrefillMs)} + {Numbers.Ms(p.RemainderMs)} ms, ± {Numbers.Ms(p.UncertaintyMs)} ms from the buckets"
            : null;
        var rows = b.Lines.Select(l => new TtftPanelRow(
            l.Name,
            l.Source,
            l.Metric,
            Numbers.N(l.Count),
            Numbers.Ms(l.MeanMs),
            l.P50BucketFromMs is { } from && l.P50BucketToMs is { } to ? $"{Numbers.Ms(l.P50Ms)} (in {Numbers.Ms(from)}–{Numbers.Ms(to)})"
                : Numbers.Ms(l.P50Ms),
            Numbers.Ms(l.P90Ms),
            Numbers.Ms(l.P99Ms))).ToList();
        var window = b.ServerFrom is { } f && b.ServerTo is { } t
            ? $"Server: Δ of its histograms between the scrapes at {f:HH:mm:ss} and {t:HH:mm:ss} UTC, {b.Targets} replica(s) added; "
                + $"{Numbers.N(b.ServerRequests)} request(s) there, {Numbers.N(b.ClientRequests)} measured by the client."
            : "Server: fewer than two scrapes fell in the run.";
        return new TtftPanelModel(mean, p50, b.RemainderLarge, b.Verdict, window, rows, b.Notes);
    }
}
