using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Aibench.Shared.Components.Charts;

/// <summary>
/// Renders a <see cref="Chart"/> to standalone SVG: the dashboard shows it (with <c>LineChart</c>'s hover readout) and
/// reports embed it as it is. Text is drawn at 12 px for the width asked, never scaled down, so tick labels stay
/// readable on a phone; the left margin is fixed, so the plots of panels stacked on a page line up.
/// </summary>
public static class ChartSvg
{
    public const int Left = 64;
    private const int Right = 14;
    private const int Top = 10;
    private const int Bottom = 40;
    private const int FontSize = 12;
    private const int MarkerLimit = 40;

    /// <summary>The SVG markup, and the data the hover readout reads (the plot's place and every line's points).</summary>
    public static (string Svg, string HoverJson) Render(Chart chart, int width, int height, IReadOnlyCollection<string>? hidden = null)
    {
        width = Math.Max(200, width);
        height = Math.Max(120, height);
        var lines = chart.Lines.Where(l => hidden is null || !hidden.Contains(l.Name)).ToList();
        // Coloured over every line, hidden ones too, so that hiding a line leaves the others' colours as the legend shows them.
        var colourOf = Legend(chart).DistinctBy(x => x.Name).ToDictionary(x => x.Name, x => x.Colour);
        var (plotLeft, plotRight, plotTop, plotBottom) = (Left, width - Right, Top, height - Bottom);
        var x = XScale(chart, lines, plotLeft, plotRight);
        var y = YScale(chart, lines, plotTop, plotBottom);

        var svg = new StringBuilder();
        var label = $"{chart.Y.Label} by {chart.X.Label}: {string.Join(", ", lines.Select(l => l.Name))}";
        svg.Append(CultureInfo.InvariantCulture,
            $"""<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" """);
        svg.Append(CultureInfo.InvariantCulture, $"""aria-label="{Esc(label)}" font-family="system-ui, sans-serif" font-size="{FontSize}">""");
        svg.Append(CultureInfo.InvariantCulture, $"<title>{Esc(label)}</title>");
        // Deterministic (string.GetHashCode is not, between processes): the same chart renders the same SVG in a report.
        var clip = "c" + SeriesColors.Fnv($"{label}|{width}|{height}").ToString(CultureInfo.InvariantCulture);
        svg.Append(CultureInfo.InvariantCulture,
            $"""<defs><clipPath id="{clip}"><rect x="{plotLeft}" y="{plotTop - 2}" width="{plotRight - plotLeft}" """);
        svg.Append(CultureInfo.InvariantCulture, $"""height="{plotBottom - plotTop + 4}"/></clipPath></defs>""");

        // Grid and y ticks.
        foreach (var (value, text) in y.Ticks)
        {
            var py = F(y.Map(value));
            svg.Append(CultureInfo.InvariantCulture,
                $"""<line x1="{plotLeft}" x2="{plotRight}" y1="{py}" y2="{py}" stroke="currentColor" stroke-opacity="0.14"/>""");
            svg.Append(CultureInfo.InvariantCulture,
                $"""<text x="{plotLeft - 6}" y="{py}" text-anchor="end" dominant-baseline="middle" fill="currentColor" fill-opacity="0.8">""");
            svg.Append(CultureInfo.InvariantCulture, $"{Esc(text)}</text>");
        }

        foreach (var (value, text) in x.Ticks)
        {
            var px = F(x.Map(value));
            svg.Append(CultureInfo.InvariantCulture,
                $"""<line x1="{px}" x2="{px}" y1="{plotTop}" y2="{plotBottom}" stroke="currentColor" stroke-opacity="0.07"/>""");
            svg.Append(CultureInfo.InvariantCulture,
                $"""<text x="{px}" y="{plotBottom + 16}" text-anchor="middle" fill="currentColor" fill-opacity="0.8">{Esc(text)}</text>""");
        }

        svg.Append(CultureInfo.InvariantCulture,
            $"""<line x1="{plotLeft}" x2="{plotRight}" y1="{plotBottom}" y2="{plotBottom}" stroke="currentColor" stroke-opacity="0.5"/>""");
        svg.Append(CultureInfo.InvariantCulture,
            $"""<text x="{F((plotLeft + plotRight) / 2.0)}" y="{height - 6}" text-anchor="middle" fill="currentColor">{Esc(chart.X.Label)}</text>""");
        svg.Append(CultureInfo.InvariantCulture,
            $"""<text transform="translate(13 {F((plotTop + plotBottom) / 2.0)}) rotate(-90)" text-anchor="middle" fill="currentColor">""");
        svg.Append(CultureInfo.InvariantCulture, $"{Esc(chart.Y.Label)}</text>");

        svg.Append(CultureInfo.InvariantCulture, $"""<g clip-path="url(#{clip})" fill="none" stroke-width="2" stroke-linejoin="round">""");
        foreach (var line in lines)
        {
            var colour = colourOf[line.Name];
            var path = new StringBuilder();
            var pen = false;
            var drawn = new List<(double X, double Y)>();
            // A point with a gap on both sides draws no line (a path of one M): it gets a marker, or it would not show.
            var alone = new List<(double X, double Y)>();
            var run = 0;
            foreach (var p in line.Points)
            {
                if (p.Y is not { } v || !double.IsFinite(v) || !double.IsFinite(p.X) || (chart.Y.Log && v <= 0))
                {
                    if (run == 1) alone.Add(drawn[^1]);
                    (pen, run) = (false, 0);
                    continue;
                }

                var (px, py) = (x.Map(p.X), y.Map(v));
                path.Append(pen ? " L" : " M").Append(F(px)).Append(' ').Append(F(py));
                drawn.Add((px, py));
                (pen, run) = (true, run + 1);
            }

            if (run == 1) alone.Add(drawn[^1]);

            if (path.Length > 0 && !line.Scatter)
            {
                svg.Append(CultureInfo.InvariantCulture,
                    $"""<path d="{path.ToString().Trim()}" stroke="{colour}"{(line.Dashed ? " stroke-dasharray=\"6 4\"" : "")}/>""");
            }

            // Few points off a time axis (a sweep, percentiles, a campaign) are values of their own: each gets a marker.
            var marked = (drawn.Count <= MarkerLimit && chart.X.Kind != AxisKind.Time) || line.Scatter ? drawn : alone;
            foreach (var (px, py) in marked)
            {
                svg.Append(CultureInfo.InvariantCulture, $"""<circle cx="{F(px)}" cy="{F(py)}" r="3" fill="{colour}" stroke="none"/>""");
            }
        }

        svg.Append("</g></svg>");

        var hover = JsonSerializer.Serialize(new
        {
            l = plotLeft,
            r = plotRight,
            t = plotTop,
            b = plotBottom,
            x0 = x.From,
            x1 = x.To,
            kind = chart.X.Kind.ToString().ToLowerInvariant(),
            cats = chart.Categories,
            xu = chart.X.Unit,
            yu = chart.Y.Unit,
            lines = lines.Select(l => new
            {
                n = l.Name,
                c = colourOf[l.Name],
                p = l.Points.Where(p => p.Y is { } v && double.IsFinite(v))
                    .Select(p => new[] { chart.X.Kind == AxisKind.Time ? Math.Round(p.X, 1) : Round(p.X), Round(p.Y!.Value) }),
            }),
        });
        return (svg.ToString(), hover);
    }

    /// <summary>The colour of each line by name, as <see cref="Render"/> draws them (for legends).</summary>
    public static IReadOnlyList<(string Name, string Colour)> Legend(Chart chart)
    {
        var colours = SeriesColors.For([.. chart.Lines.Select(l => l.Name)]);
        return [.. chart.Lines.Select((l, i) => (l.Name, colours[i]))];
    }

    private sealed record Scale(double From, double To, Func<double, double> Map, IReadOnlyList<(double Value, string Text)> Ticks);

    private static Scale XScale(Chart chart, List<ChartLine> lines, double left, double right)
    {
        var most = Math.Max(2, (int)((right - left) / 90));
        var xs = lines.SelectMany(l => l.Points.Where(p => p.Y is not null).Select(p => p.X)).Where(double.IsFinite).ToList();
        switch (chart.X.Kind)
        {
            case AxisKind.Category:
            {
                var n = Math.Max(1, chart.Categories?.Count ?? (xs.Count == 0 ? 1 : (int)xs.Max() + 1));
                var every = Math.Max(1, (int)Math.Ceiling(n / (double)most));
                var ticks = Enumerable.Range(0, n).Where(i => i % every == 0)
                    .Select(i => ((double)i, chart.Categories is { } c && i < c.Count ? Shorten(c[i]) : i.ToString(CultureInfo.InvariantCulture)))
                    .ToList();
                return Linear(-0.5, n - 0.5, left, right, ticks);
            }

            case AxisKind.Time:
            {
                var from = chart.XFrom ?? (xs.Count == 0 ? 0 : xs.Min());
                var to = chart.XTo ?? (xs.Count == 0 ? 1 : xs.Max());
                var (f, t, ticks, step) = NiceScale.Time(from, to, most);
                return Linear(f, t, left, right, [.. ticks.Select(v => (v, NiceScale.TimeLabel(v, step)))]);
            }

            default:
            {
                var (f, t, ticks) = NiceScale.Linear(chart.XFrom ?? (xs.Count == 0 ? 0 : xs.Min()), chart.XTo ?? (xs.Count == 0 ? 1 : xs.Max()),
                    most);
                var step = ticks.Length > 1 ? ticks[1] - ticks[0] : 1;
                return Linear(f, t, left, right, [.. ticks.Select(v => (v, NiceScale.Label(v, step)))]);
            }
        }
    }

    private static Scale YScale(Chart chart, List<ChartLine> lines, double top, double bottom)
    {
        var most = Math.Max(2, (int)((bottom - top) / 36));
        var ys = lines.SelectMany(l => l.Points).Where(p => p.Y is { } v && double.IsFinite(v)).Select(p => p.Y!.Value).ToList();
        if (chart.Y.Log)
        {
            var positive = ys.Where(v => v > 0).ToList();
            var (lf, lt, lticks) = NiceScale.Log(positive.Count == 0 ? 1 : positive.Min(), positive.Count == 0 ? 10 : positive.Max());
            var (a, b) = (Math.Log10(lf), Math.Log10(lt));
            return new Scale(lf, lt, v => bottom - ((Math.Log10(v) - a) / (b - a) * (bottom - top)),
                [.. lticks.Select(v => (v, NiceScale.Label(v, v)))]);
        }

        // Rates, counts and latencies are read against zero: the axis starts there unless a value is negative.
        var (f, t, ticks) = NiceScale.Linear(Math.Min(0, ys.Count == 0 ? 0 : ys.Min()), ys.Count == 0 ? 1 : ys.Max(), most);
        var step = ticks.Length > 1 ? ticks[1] - ticks[0] : 1;
        return new Scale(f, t, v => bottom - ((v - f) / (t - f) * (bottom - top)), [.. ticks.Select(v => (v, NiceScale.Label(v, step)))]);
    }

    private static Scale Linear(double from, double to, double left, double right, IReadOnlyList<(double, string)> ticks)
    {
        var span = to - from == 0 ? 1 : to - from;
        return new Scale(from, to, v => left + ((v - from) / span * (right - left)), ticks);
    }

    private static string Shorten(string text) => text.Length <= 18 ? text : text[..17] + "…";

    private static string Esc(string text) => WebUtility.HtmlEncode(text);

    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

    // Four significant digits are what a readout shows; more only makes the page heavier.
    private static double Round(double v) => v == 0 || !double.IsFinite(v) ? v
        : Math.Round(v, Math.Clamp(3 - (int)Math.Floor(Math.Log10(Math.Abs(v))), 0, 12));
}
