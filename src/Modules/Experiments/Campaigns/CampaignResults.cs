namespace Aibench.Experiments.Campaigns;

/// <summary>One element's measured figures, read from its experiment's result.</summary>
/// <param name="Cell">Its grid cell.</param>
/// <param name="Nodes">Its nodes.</param>
/// <param name="Gpus">Its GPUs (nodes × GPUs per node; the nodes for a recipe without GPUs).</param>
/// <param name="Throughput">Completed requests per second.</param>
/// <param name="OutputThroughput">Output tokens per second.</param>
/// <param name="Users">Concurrency of a closed-loop run, else its request rate: the "users" the tokens are shared by.</param>
/// <param name="Capacity">A capacity test's capacity, req/s.</param>
public sealed record ElementFigures(int Cell, int Nodes, int Gpus, double? Throughput, double? OutputThroughput, double? Users, double? Capacity);

/// <summary>A figure over a cell's repeats: mean and 95 % confidence half-width (Student's t).</summary>
public sealed record Spread(double Mean, double? HalfWidth, int N);

/// <summary>One cell's figures over its repeats.</summary>
/// <param name="Unstable">Its repeats disagree: a 95 % half-width above 10 % of the mean for throughput or capacity.</param>
public sealed record CellResult(int Cell, string Label, int Nodes, Spread? Throughput, Spread? OutputThroughput, Spread? Capacity, bool Unstable);

/// <summary>Throughput and capacity by node count for one set of the other parameters, with parallel efficiency.</summary>
/// <param name="Parameters">The cells' other parameter values, in words.</param>
/// <param name="Points">One per node count, fewest first.</param>
public sealed record ScalingCurve(string Parameters, IReadOnlyList<ScalingPoint> Points);

/// <summary>
/// One node count of a scaling curve. Efficiency is T(n)·n₀ / (n·T(n₀)) against the fewest nodes n₀ of the curve (1 when
/// n₀ = 1: T(n) / (n·T(1))), from the mean throughput; the same for capacity.
/// </summary>
public sealed record ScalingPoint(int Nodes, double? Throughput, double? ThroughputEfficiency, double? Capacity, double? CapacityEfficiency);

/// <summary>One cell on the Pareto chart: output tokens/s per user against per GPU, as <c>vllm bench sweep plot_pareto</c> draws them.</summary>
public sealed record ParetoPoint(int Cell, string Label, double PerUser, double PerGpu, bool OnFront);

/// <summary>The campaign's results: per cell over repeats, scaling curves, Pareto front. Pure; docs/metrics.md has the formulas.</summary>
public static class CampaignResults
{
    /// <summary>A 95 % half-width above this share of the mean marks a cell unstable.</summary>
    public const double UnstableShare = 0.10;

    // Student's t at 0.975 for 1 … 30 degrees of freedom; the normal 1.96 beyond (repeats are capped at 10 today).
    private static readonly double[] T975 =
    [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093,
        2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];

    public static Spread? Of(IEnumerable<double?> values)
    {
        var xs = values.OfType<double>().ToList();
        if (xs.Count == 0) return null;
        var mean = xs.Average();
        if (xs.Count == 1) return new Spread(Math.Round(mean, 4), null, 1);
        var sd = Math.Sqrt(xs.Sum(x => (x - mean) * (x - mean)) / (xs.Count - 1));
        var t = xs.Count - 1 <= T975.Length ? T975[xs.Count - 2] : 1.96;
        return new Spread(Math.Round(mean, 4), Math.Round(t * sd / Math.Sqrt(xs.Count), 4), xs.Count);
    }

    public static IReadOnlyList<CellResult> Cells(IReadOnlyList<CampaignCell> cells, IReadOnlyList<ElementFigures> figures) =>
    [
        .. cells.Select(c =>
        {
            var mine = figures.Where(f => f.Cell == c.Index).ToList();
            var throughput = Of(mine.Select(f => f.Throughput));
            var capacity = Of(mine.Select(f => f.Capacity));
            return new CellResult(c.Index, c.Label, mine.FirstOrDefault()?.Nodes ?? c.Nodes ?? 0, throughput,
                Of(mine.Select(f => f.OutputThroughput)),
                capacity, Wide(throughput) || Wide(capacity));
        }),
    ];

    /// <summary>Cells that differ only in their node count form one curve each.</summary>
    public static IReadOnlyList<ScalingCurve> Scaling(IReadOnlyList<CampaignCell> cells, IReadOnlyList<CellResult> results) =>
    [
        .. cells.GroupBy(c => string.Join(" · ", c.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}")))
            .Where(g => g.Select(c => c.Nodes).Distinct().Count() > 1)
            .Select(g =>
            {
                var points = g.Select(c => results.Single(r => r.Cell == c.Index)).Where(r => r.Nodes > 0).OrderBy(r => r.Nodes).ToList();
                var first = points[0];
                double? Efficiency(Spread? at, Spread? baseline, int nodes) => at is null || baseline is not { Mean: > 0 } b ? null
                    : Math.Round(at.Mean * first.Nodes / (nodes * b.Mean), 4);
                return new ScalingCurve(g.Key.Length == 0 ? "all" : g.Key, [.. points.Select(p => new ScalingPoint(p.Nodes, p.Throughput?.Mean,
                    Efficiency(p.Throughput, first.Throughput, p.Nodes), p.Capacity?.Mean, Efficiency(p.Capacity, first.Capacity, p.Nodes)))]);
            }),
    ];

    /// <summary>
    /// x = output tokens/s ÷ users, y = output tokens/s ÷ GPUs, per cell (means over repeats); the front: sorted by x then y
    /// descending, the points whose y is at least every y before them (vLLM's plot_pareto).
    /// </summary>
    public static IReadOnlyList<ParetoPoint> Pareto(IReadOnlyList<CampaignCell> cells, IReadOnlyList<ElementFigures> figures)
    {
        var points = new List<(int Index, string Label, double PerUser, double PerGpu)>();
        foreach (var c in cells)
        {
            var mine = figures.Where(f => f.Cell == c.Index && f.OutputThroughput is not null && f.Users is > 0 && f.Gpus > 0).ToList();
            if (mine.Count > 0)
            {
                points.Add((c.Index, c.Label, mine.Average(f => f.OutputThroughput!.Value / f.Users!.Value),
                    mine.Average(f => f.OutputThroughput!.Value / f.Gpus)));
            }
        }

        var front = new HashSet<int>();
        var best = double.NegativeInfinity;
        foreach (var p in points.OrderByDescending(p => p.PerUser).ThenByDescending(p => p.PerGpu))
        {
            if (p.PerGpu >= best)
            {
                front.Add(p.Index);
                best = p.PerGpu;
            }
        }

        return [.. points.Select(p => new ParetoPoint(p.Index, p.Label, Math.Round(p.PerUser, 4), Math.Round(p.PerGpu, 4), front.Contains(p.Index)))];
    }

    private static bool Wide(Spread? s) => s is { HalfWidth: { } h, Mean: > 0 } && h > UnstableShare * s.Mean;
}
