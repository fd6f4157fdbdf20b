using System.Text.RegularExpressions;
using Aibench.Shared.Components.Charts;
using Aibench.Shared.Reports;

namespace Aibench.Tests.Shared;

public sealed partial class ReportTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 8, 10, 0, 0, TimeSpan.Zero);

    private static ReportDocument Sample() => new("run <b>&</b> | pipes", "run", [
        new ReportSection("run", "What was run", [new ReportFacts([new("target", "http://node1:8000 <script>")])], InSummary: true),
        new ReportSection("headline", "Headline", [new ReportTable(["number", "value"], [["TTFT p50 (ms)", "41.5"]])], InSummary: true),
        new ReportSection("over-time", "Over time", [
            new ReportFigure("rps", "Requests", new Chart(new ChartAxis("t", "s"), new ChartAxis("req", "per s"),
                [new ChartLine("completed", [new ChartPoint(0, 1), new ChartPoint(1, 3)])])),
            new ReportFigure("empty", "Nothing", new Chart(new ChartAxis("t"), new ChartAxis("y"), [])),
        ]),
        new ReportSection("logs", "Logs", [new ReportLines(["ERROR </pre> broke"])]),
    ], Now, "/benchmarks/1");

    [Fact]
    public void Html_escapes_every_text_and_points_nowhere_outside_the_file()
    {
        var html = ReportHtml.Render(Sample());
        Assert.DoesNotContain("<b>&</b>", html);
        Assert.DoesNotContain("<script>\"", html);
        Assert.Contains("http://node1:8000 &lt;script&gt;", html);
        Assert.Contains("ERROR &lt;/pre&gt; broke", html);
        // No reference that a browser would fetch: no src, no stylesheet link, no url() but the SVG's own clip paths, no @import.
        Assert.DoesNotMatch(@"\ssrc=""(?!data:)", html);
        Assert.DoesNotContain("<link", html);
        Assert.DoesNotMatch(@"url\((?!#)", html);
        Assert.DoesNotContain("@import", html);
        Assert.Equal(4, SectionCount().Count(html));
        Assert.Contains("No data for this chart.", html);
        Assert.Single(SvgCount().Matches(html));
    }

    [Fact]
    public void A_figure_carries_its_legend_inside_its_svg_so_a_downloaded_chart_still_names_its_lines()
    {
        var svg = ReportHtml.FigureSvg(new ReportFigure("x", "X", new Chart(new ChartAxis("t"), new ChartAxis("y"),
            [new ChartLine("TTFT (client)", [new ChartPoint(0, 1)]), new ChartLine("TTFT (server histogram)", [new ChartPoint(0, 2)])])));
        Assert.StartsWith("<svg xmlns=\"http://www.w3.org/2000/svg\"", svg);
        Assert.Contains(">TTFT (client)</text>", svg);
        Assert.Contains(">TTFT (server histogram)</text>", svg);
    }

    [Fact]
    public void Markdown_carries_the_summary_sections_with_pipes_escaped_and_the_link()
    {
        var md = ReportMarkdown.Render(Sample());
        Assert.Contains("### aibench run report: run <b>&</b> \\| pipes", md);
        Assert.Contains("- target: http://node1:8000 <script>", md);
        Assert.Contains("| TTFT p50 (ms) | 41.5 |", md);
        Assert.Contains("| --- | ---: |", md);
        Assert.Contains("[full result](/benchmarks/1)", md);
        Assert.DoesNotContain("Over time", md);
        Assert.DoesNotContain("ERROR", md);
    }

    [Theory]
    [InlineData(2.228, 10, 0.05)]
    [InlineData(2.576, 100000, 0.01)]
    [InlineData(1.0, 1, 0.5)]
    [InlineData(0, 5, 1.0)]
    [InlineData(4.032, 5, 0.01)]
    public void The_t_test_p_value_matches_the_tables(double t, double df, double p) =>
        Assert.Equal(p, NoiseCheck.TwoSidedP(t, df), 3);

    [Fact]
    public void Batches_that_overlap_are_within_noise_and_batches_apart_are_beyond_it()
    {
        double[] a = [10.1, 9.8, 10.3, 9.9, 10.0, 10.2, 9.7, 10.1, 10.0, 9.9];
        double[] same = [10.0, 10.2, 9.8, 10.1, 9.9, 10.3, 9.8, 10.0, 10.1, 9.9];
        double[] slower = [20.1, 19.8, 20.3, 19.9, 20.0, 20.2, 19.7, 20.1, 20.0, 19.9];
        Assert.False(NoiseCheck.Compare(a, same, 0.001)!.Different);
        var verdict = NoiseCheck.Compare(a, slower, 0.001)!;
        Assert.True(verdict.Different);
        Assert.True(verdict.P < 1e-10);
        Assert.Null(NoiseCheck.Compare([1.0], slower, 0.01));
    }

    [GeneratedRegex("data-testid=\"report-section\"")]
    private static partial Regex SectionCount();

    [GeneratedRegex("<figure[^>]*>.*?<svg xmlns", RegexOptions.Singleline)]
    private static partial Regex SvgCount();
}
