using Aibench.Experiments.Campaigns;
using Aibench.Experiments.Features;
using Aibench.Shared.Text;
using MudBlazor;

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

    public (string[] Labels, List<ChartSeries<double>> Series) Scaling { get; private set; } = ([], []);

    public (string[] Labels, List<ChartSeries<double>> Series) Pareto { get; private set; } = ([], []);

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

    private static (string[], List<ChartSeries<double>>) ScalingChart(IReadOnlyList<ScalingCurve> curves)
    {
        var nodes = curves.SelectMany(c => c.Points.Select(p => p.Nodes)).Distinct().Order().ToArray();
        if (nodes.Length < 2)
        {
            return ([], []);
        }

        return ([.. nodes.Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture))],
        [
            .. curves.Select(c => new ChartSeries<double>
            {
                Name = $"req/s · {c.Parameters}",
                Data = new ChartData<double>([.. nodes.Select(n => c.Points.FirstOrDefault(p => p.Nodes == n)?.Throughput ?? 0)]),
            }),
        ]);
    }

    private static (string[], List<ChartSeries<double>>) ParetoChart(IReadOnlyList<ParetoPoint> points)
    {
        if (points.Count < 2)
        {
            return ([], []);
        }

        var byUser = points.OrderBy(p => p.PerUser).ToList();
        return ([.. byUser.Select(p => Numbers.N(p.PerUser, "0.#"))],
        [
            new ChartSeries<double> { Name = "tokens/s per GPU (every cell)", Data = new ChartData<double>([.. byUser.Select(p => p.PerGpu)]) },
            new ChartSeries<double>
            {
                Name = "Pareto front",
                // Off the front a cell has no point on this line: drawn at the front's value to its right, the line steps as the front does.
                Data = new ChartData<double>([.. byUser.Select(p => byUser.Where(q => q.OnFront && q.PerUser >= p.PerUser).Select(q => q.PerGpu)
                    .DefaultIfEmpty(0).Max())]),
            },
        ]);
    }
}
