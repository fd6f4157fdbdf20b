using Aibench.Experiments.Campaigns;
using Aibench.Experiments.Features;
using Aibench.Shared.Text;
using Aibench.Shared.Components.Charts;

namespace Aibench.Experiments.Pages;

/// <summary>One cell of the campaign page's results table, as printed.</summary>
internal sealed record CampaignCellRow(string Label, string Nodes, string Repeats, string Throughput, string OutputThroughput, string Capacity,
    bool Unstable);

/// <summary>
/// The campaign page's state and derived view (tested without rendering): whether to keep reading, the cells as printed
/// with their intervals, the scaling chart (throughput by node count, one line per set of the other parameters) and the
/// Pareto chart (per GPU by per user, every cell and the front).
/// </summary>
internal sealed class CampaignPresenter
{
    public CampaignDetail? Detail { get; private set; }

    public string? Error { get; private set; }

    /// <summary>Read again while it runs; a finished campaign changes no more.</summary>
    public bool Following => Detail is null || Detail.Campaign.Status == "running";

    public IReadOnlyList<CampaignCellRow> Cells { get; private set; } = [];

    public Chart Scaling { get; private set; } = ScalingChart([]);

    public Chart Pareto { get; private set; } = ParetoChart([]);

    public void Loaded(CampaignDetail detail)
    {
        Detail = detail;
        Error = null;
        Cells = [.. detail.Cells.Select(c => new CampaignCellRow(c.Label, c.Nodes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Numbers.N(c.Throughput?.N ?? 0), Text(c.Throughput, "0.##"), Text(c.OutputThroughput, "0.#"), Text(c.Capacity, "0.##"), c.Unstable))];
        Scaling = ScalingChart(detail.Scaling);
        Pareto = ParetoChart(detail.Pareto);
    }

    public void Failed(string error) => Error = error;

    /// <summary>Mean ± 95 % half-width (n), or the one value, or none.</summary>
    public static string Text(Spread? s, string format) => s is null ? Numbers.None
        : s.HalfWidth is { } h ? $"{Numbers.N(s.Mean, format)} ± {Numbers.N(h, format)}" : Numbers.N(s.Mean, format);

    /// <summary>A curve's parallel efficiency in words, e.g. <c>1 node(s) 100 %, 2 node(s) 99 %</c>.</summary>
    public static string Efficiency(ScalingCurve curve) =>
        string.Join(", ", curve.Points.Select(p => $"{p.Nodes} node(s) {Numbers.Percent(p.ThroughputEfficiency)}"));

    private static readonly ChartAxis NodesAxis = new("nodes");

    private static Chart ScalingChart(IReadOnlyList<ScalingCurve> curves)
    {
        var nodes = curves.SelectMany(c => c.Points.Select(p => p.Nodes)).Distinct().Count();
        return new Chart(NodesAxis, new ChartAxis("throughput", "req/s"), nodes < 2 ? []
            : [.. curves.Select(c => new ChartLine($"req/s · {c.Parameters}",
                [.. c.Points.OrderBy(p => p.Nodes).Select(p => new ChartPoint(p.Nodes, p.Throughput))]))]);
    }

    private static Chart ParetoChart(IReadOnlyList<ParetoPoint> points)
    {
        var axes = (X: new ChartAxis("output tokens/s per user"), Y: new ChartAxis("output tokens/s per GPU"));
        if (points.Count < 2)
        {
            return new Chart(axes.X, axes.Y, []);
        }

        return new Chart(axes.X, axes.Y,
        [
            new ChartLine("every cell", [.. points.Select(p => new ChartPoint(p.PerUser, p.PerGpu))], Scatter: true),
            new ChartLine("Pareto front", [.. points.Where(p => p.OnFront).OrderBy(p => p.PerUser).Select(p => new ChartPoint(p.PerUser, p.PerGpu))]),
        ]);
    }
}
