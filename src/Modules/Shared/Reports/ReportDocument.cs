using System.Reflection;
using Aibench.Shared.Components.Charts;

namespace Aibench.Shared.Reports;

/// <summary>
/// A report as the modules build it: a title and sections of blocks (facts, tables, charts, notes, log lines). Pure data:
/// <see cref="ReportHtml"/> renders it to one self-contained HTML file and <see cref="ReportMarkdown"/> to the summary
/// people paste in an issue or a chat. docs/reports.md describes every section.
/// </summary>
/// <param name="Title">What the report is about, e.g. the run's name.</param>
/// <param name="Kind">run, experiment, campaign or comparison.</param>
/// <param name="Sections">In the order they are shown.</param>
/// <param name="Generated">When the report was made.</param>
/// <param name="Link">Where the result is in the dashboard (the Markdown summary links to it), when known.</param>
public sealed record ReportDocument(string Title, string Kind, IReadOnlyList<ReportSection> Sections, DateTimeOffset Generated,
    string? Link = null)
{
    /// <summary>The aibench version that made a report (the build's informational version, without the source hash).</summary>
    public static string Version { get; } = (typeof(ReportDocument).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()
        ?.InformationalVersion ?? "unknown").Split('+')[0];
}

/// <summary>One section of a report.</summary>
/// <param name="Id">Its anchor and test id, e.g. <c>headline</c>.</param>
/// <param name="Title">Its heading.</param>
/// <param name="Blocks">What it shows.</param>
/// <param name="InSummary">Whether the Markdown summary carries it (the header's facts and the headline tables).</param>
public sealed record ReportSection(string Id, string Title, IReadOnlyList<ReportBlock> Blocks, bool InSummary = false);

/// <summary>Something a section shows.</summary>
public abstract record ReportBlock;

/// <summary>Name–value pairs, e.g. what was run.</summary>
public sealed record ReportFacts(IReadOnlyList<KeyValuePair<string, string>> Items) : ReportBlock;

/// <summary>A table; columns from <paramref name="NumericFrom"/> on are numbers and right-aligned.</summary>
/// <param name="Marks">Per row, a CSS class for it (e.g. <c>better</c>, <c>worse</c>, <c>same</c>), or null.</param>
public sealed record ReportTable(IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<string>> Rows, string? Caption = null,
    int NumericFrom = 1, IReadOnlyList<string?>? Marks = null) : ReportBlock;

/// <summary>A chart, drawn by the dashboard's chart component to SVG, downloadable as SVG and PNG.</summary>
/// <param name="Id">Its file name when downloaded, e.g. <c>latency-cdf</c>.</param>
public sealed record ReportFigure(string Id, string Title, Chart Chart, string? Caption = null) : ReportBlock;

/// <summary>A sentence; a warning stands out.</summary>
public sealed record ReportNote(string Text, bool Warning = false) : ReportBlock;

/// <summary>Lines shown as they are (log lines), in a box that scrolls.</summary>
public sealed record ReportLines(IReadOnlyList<string> Lines) : ReportBlock;

/// <summary>A part another module rendered already (its HTML, which it escaped), with its Markdown.</summary>
public sealed record ReportPartBlock(string Html, string Markdown) : ReportBlock;
