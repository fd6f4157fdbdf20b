using Aibench.Experiments.Features;
using Aibench.Experiments.Pages;
using Aibench.Shared.Reports;

namespace Aibench.Experiments.Reports;

/// <summary>
/// A campaign's report (docs/reports.md): its cells with their intervals, the scaling curves and the Pareto front, as
/// the campaign page shows them (<see cref="CampaignPresenter"/>), and every element with its experiment. Pure.
/// </summary>
internal static class CampaignReport
{
    public static ReportDocument Document(CampaignDetail detail, DateTimeOffset now)
    {
        var view = new CampaignPresenter();
        view.Loaded(detail);
        var c = detail.Campaign;
        List<ReportSection> sections =
        [
            new("campaign", "What was run", [new ReportFacts([
                new("campaign", $"{c.Name} ({c.Id})"),
                new("status", c.Status),
                new("elements", $"{c.Elements}: {c.Done} done, {c.Failed} failed, {c.Queued} queued, {c.Running} running"),
                new("repeats", $"{c.Repeats}"),
                new("throttle", $"{c.Throttle} at a time"),
                new("created", Shared.Text.Numbers.Time(c.CreatedAt)),
                new("finished", Shared.Text.Numbers.Time(c.FinishedAt)),
            ])], InSummary: true),
            new("cells", "Cells", [new ReportTable(["cell", "nodes", "repeats", "req/s", "output tok/s", "capacity (req/s)"],
                [.. view.Cells.Select(r => (IReadOnlyList<string>)[r.Label + (r.Unstable ? " (unstable)" : ""), r.Nodes, r.Repeats, r.Throughput,
                    r.OutputThroughput, r.Capacity])],
                "Mean ± 95 % half-width over the repeats (Student's t); unstable as the campaign page marks it (docs/campaigns.md)")],
                InSummary: true),
            new("scaling", "Scaling", [
                new ReportFigure("campaign-scaling", "Throughput by node count", view.Scaling),
                new ReportNote("Parallel efficiency: " + (detail.Scaling.Count == 0 ? "not measured (one node count)"
                    : string.Join("; ", detail.Scaling.Select(s => $"{s.Parameters}: {CampaignPresenter.Efficiency(s)}")))),
            ]),
            new("pareto", "Pareto front", [new ReportFigure("campaign-pareto", "Output tokens/s per GPU by per user", view.Pareto,
                "Every cell, and the front: the cells no other beats on both.")]),
            new("elements", "Elements", [new ReportTable(["element", "status", "experiment", "req/s", "output tok/s", "TTFT p50 (ms)"],
                [.. detail.Elements.Select(e =>
                    (IReadOnlyList<string>)[e.Label, e.Status + (e.Reason is { } r && e.Status != "completed" ? $": {r}" : ""),
                    e.ExperimentId.ToString(), Shared.Text.Numbers.N(e.Throughput), Shared.Text.Numbers.N(e.OutputThroughput, "0.#"),
                    Shared.Text.Numbers.N(e.TtftP50Ms, "0.0")])], NumericFrom: 3)]),
        ];
        return new ReportDocument(c.Name, "campaign", sections, now, $"/campaigns/{c.Id}");
    }
}
