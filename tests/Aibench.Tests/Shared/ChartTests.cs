using Aibench.Shared.Components.Charts;

namespace Aibench.Tests.Shared;

/// <summary>The dashboard's one chart, without a browser: round ticks, labels, colours and the SVG it draws.</summary>
public sealed class ChartTests
{
    private static readonly double T0 = new DateTimeOffset(2026, 12, 7, 20, 56, 13, TimeSpan.Zero).ToUnixTimeSeconds();

    [Theory]
    [InlineData(0, 1900, 5, new[] { 0d, 500, 1000, 1500, 2000 })]
    [InlineData(0, 17.3, 5, new[] { 0d, 5, 10, 15, 20 })]
    [InlineData(0, 0.9, 4, new[] { 0d, 0.2, 0.4, 0.6, 0.8, 1 })]
    [InlineData(0, 0, 5, new[] { 0d, 0.2, 0.4, 0.6, 0.8, 1 })]
    [InlineData(-3, 3, 3, new[] { -4d, -2, 0, 2, 4 })]
    public void Linear_ticks_fall_on_round_numbers_and_cover_the_data(double min, double max, int most, double[] expected) =>
        Assert.Equal(expected, NiceScale.Linear(min, max, most).Ticks);

    [Fact]
    public void Log_ticks_are_decades_with_two_and_five_between_when_there_are_few()
    {
        Assert.Equal([1d, 10, 100, 1000, 10000], NiceScale.Log(3, 4200).Ticks);
        Assert.Equal([10d, 20, 50, 100, 200, 500, 1000], NiceScale.Log(18, 900).Ticks);
    }

    [Fact]
    public void Time_ticks_fall_on_whole_seconds_minutes_and_hours()
    {
        var (_, _, ticks, step) = NiceScale.Time(T0, T0 + 27, 5);
        Assert.Equal(10, step);
        Assert.All(ticks, t => Assert.Equal(0, t % 10));
        Assert.Equal(["20:56:20", "20:56:30", "20:56:40"], ticks.Select(t => NiceScale.TimeLabel(t, step)));

        var (_, _, hours, hourStep) = NiceScale.Time(T0, T0 + 7200, 6);
        Assert.Equal(1800, hourStep);
        Assert.Equal("21:00", NiceScale.TimeLabel(hours[0], hourStep));
    }

    [Theory]
    [InlineData(1500, 500, "1,500")]
    [InlineData(0.25, 0.05, "0.25")]
    [InlineData(2_500_000, 500_000, "2.5M")]
    [InlineData(12_000, 2_000, "12,000")]
    public void Labels_have_thousands_separators_and_the_decimals_the_step_needs(double value, double step, string expected) =>
        Assert.Equal(expected, NiceScale.Label(value, step));

    [Fact]
    public void A_line_keeps_its_colour_across_charts_and_no_two_lines_of_a_chart_share_one()
    {
        var one = SeriesColors.For(["completed req/s", "sent req/s", "errors/s"]);
        var other = SeriesColors.For(["errors/s"]);
        Assert.Equal(one[2], other[0]);
        var ten = SeriesColors.For([.. Enumerable.Range(0, 10).Select(i => $"line {i}")]);
        Assert.Equal(10, ten.Distinct().Count());
    }

    [Fact]
    public void The_svg_has_axis_titles_with_units_round_ticks_and_12_px_text_and_leaves_hidden_lines_out()
    {
        var chart = new Chart(new ChartAxis("time", "UTC", AxisKind.Time), new ChartAxis("requests", "per s"),
        [
            new ChartLine("completed req/s", [.. Enumerable.Range(0, 30).Select(i => new ChartPoint(T0 + i, i * 61.0))]),
            new ChartLine("errors/s", [new ChartPoint(T0, 1), new ChartPoint(T0 + 1, null), new ChartPoint(T0 + 2, 3)]),
        ]);

        var (svg, hover) = ChartSvg.Render(chart, 390, 220);

        Assert.Contains("width=\"390\"", svg, StringComparison.Ordinal);
        Assert.Contains("font-size=\"12\"", svg, StringComparison.Ordinal);
        Assert.Contains(">requests (per s)</text>", svg, StringComparison.Ordinal);
        Assert.Contains(">time (UTC)</text>", svg, StringComparison.Ordinal);
        Assert.Contains(">1,000</text>", svg, StringComparison.Ordinal);
        Assert.DoesNotContain(">640</text>", svg, StringComparison.Ordinal);
        // A gap splits the errors line into two pieces rather than drawing through it.
        Assert.Equal([1, 2], System.Text.RegularExpressions.Regex.Matches(svg, "<path d=\"([^\"]*)\"").Select(m
            => m.Groups[1].Value.Count(c => c == 'M')));
        Assert.Contains("\"errors/s\"", hover, StringComparison.Ordinal);

        // On a time axis only a point alone between gaps gets a marker (it would draw nothing otherwise): both of the errors line's.
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Count(svg, "<circle "));

        var (without, _) = ChartSvg.Render(chart, 390, 220, hidden: ["errors/s"]);
        Assert.DoesNotContain("errors/s", without, StringComparison.Ordinal);
    }
}
