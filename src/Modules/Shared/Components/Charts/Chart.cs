namespace Aibench.Shared.Components.Charts;

/// <summary>What the x axis counts: wall-clock time (x in Unix seconds), a number, or named categories (x = index).</summary>
public enum AxisKind
{
    Time,
    Number,
    Category,
}

/// <summary>An axis: its title and unit, shown as "title (unit)"; a logarithmic y axis spans decades (latencies of ms to s).</summary>
public sealed record ChartAxis(string Title, string? Unit = null, AxisKind Kind = AxisKind.Number, bool Log = false)
{
    public string Label => Unit is null ? Title : $"{Title} ({Unit})";
}

/// <summary>One point of a line; a null y is a gap.</summary>
public readonly record struct ChartPoint(double X, double? Y);

/// <summary>A named line. Its colour follows its name (<see cref="SeriesColors"/>), so it is the same on every page.</summary>
/// <param name="Scatter">Points only, no line between them (cells of a campaign are not a sequence).</param>
public sealed record ChartLine(string Name, IReadOnlyList<ChartPoint> Points, bool Dashed = false, bool Scatter = false);

/// <summary>
/// A line chart as the dashboard and the reports draw it: <see cref="ChartSvg"/> renders it to SVG with round-number
/// ticks, axis titles with units and a legend; <c>LineChart</c> shows it with a hover readout.
/// </summary>
/// <param name="Categories">The names on a <see cref="AxisKind.Category"/> x axis, by index.</param>
/// <param name="XFrom">Where a time axis starts, so that panels of one page line up (null: the data's own range).</param>
public sealed record Chart(
    ChartAxis X,
    ChartAxis Y,
    IReadOnlyList<ChartLine> Lines,
    IReadOnlyList<string>? Categories = null,
    double? XFrom = null,
    double? XTo = null)
{
    public bool IsEmpty => Lines.All(l => !l.Points.Any(p => p.Y is { } y && double.IsFinite(y)));

    /// <summary>The same chart with its x axis spanning [from, to]: the panels of one run share its window.</summary>
    public Chart Over(double? from, double? to) => this with { XFrom = from, XTo = to };

    /// <summary>A chart over named categories (percentiles, experiments), one value per category and line.</summary>
    public static Chart OverCategories(ChartAxis x, ChartAxis y, IReadOnlyList<string> categories,
        IEnumerable<(string Name, IReadOnlyList<double?> Values)> lines) =>
        new(x with { Kind = AxisKind.Category }, y,
            [.. lines.Select(l => new ChartLine(l.Name, [.. l.Values.Select((v, i) => new ChartPoint(i, v))]))], categories);
}
