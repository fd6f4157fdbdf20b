using System.Text;

namespace Aibench.Shared.Reports;

/// <summary>A report as the API sends it: <c>html</c> (the self-contained page) or <c>md</c> (the summary).</summary>
/// <param name="FileName">What a browser or the CLI saves it as.</param>
/// <param name="ContentType">Its media type with charset.</param>
/// <param name="Content">UTF-8 bytes.</param>
public sealed record ReportFile(string FileName, string ContentType, byte[] Content)
{
    /// <summary>The formats a report comes in.</summary>
    public static bool Known(string format) => format is "html" or "md";

    /// <summary>The message naming the field when a format is not known.</summary>
    public static string Unknown(string format) => $"format: '{format}' is not html or md.";

    public static ReportFile Of(ReportDocument report, string name, string format) => format == "md"
        ? new ReportFile($"{name}.md", "text/markdown; charset=utf-8", Encoding.UTF8.GetBytes(ReportMarkdown.Render(report)))
        : new ReportFile($"{name}.html", "text/html; charset=utf-8", Encoding.UTF8.GetBytes(ReportHtml.Render(report)));
}
