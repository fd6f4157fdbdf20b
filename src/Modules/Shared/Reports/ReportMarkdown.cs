using System.Globalization;
using System.Text;

namespace Aibench.Shared.Reports;

/// <summary>
/// The summary of a report for an issue or a chat: its title, the sections marked for the summary (what was run and the
/// headline tables), and the link to the full result. Charts and long tables stay in the HTML report.
/// </summary>
public static class ReportMarkdown
{
    public static string Render(ReportDocument report)
    {
        var md = new StringBuilder();
        md.Append("### aibench ").Append(report.Kind).Append(" report: ").Append(Cell(report.Title)).Append("\n\n");
        foreach (var section in report.Sections.Where(s => s.InSummary))
        {
            md.Append("**").Append(Cell(section.Title)).Append("**\n\n");
            foreach (var block in section.Blocks)
            {
                Block(md, block);
            }
        }

        md.Append("Made ").Append(report.Generated.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture))
            .Append(" by aibench ").Append(ReportDocument.Version);
        if (report.Link is { } link) md.Append(" · [full result](").Append(link).Append(')');
        return md.Append('\n').ToString();
    }

    /// <summary>One section's blocks as Markdown (a module hands this to another with the section's HTML).</summary>
    public static string Section(ReportSection section)
    {
        var md = new StringBuilder();
        foreach (var block in section.Blocks)
        {
            Block(md, block);
        }

        return md.ToString();
    }

    private static void Block(StringBuilder md, ReportBlock block)
    {
        switch (block)
        {
            case ReportFacts facts:
                foreach (var (key, value) in facts.Items)
                {
                    md.Append("- ").Append(Cell(key)).Append(": ").Append(Cell(value)).Append('\n');
                }

                md.Append('\n');
                break;
            case ReportTable table:
                if (table.Caption is { } caption) md.Append('*').Append(Cell(caption)).Append("*\n\n");
                md.Append("| ").AppendJoin(" | ", table.Headers.Select(Cell)).Append(" |\n|");
                for (var i = 0; i < table.Headers.Count; i++)
                {
                    md.Append(i >= table.NumericFrom ? " ---: |" : " --- |");
                }

                md.Append('\n');
                foreach (var row in table.Rows)
                {
                    md.Append("| ").AppendJoin(" | ", row.Select(Cell)).Append(" |\n");
                }

                md.Append('\n');
                break;
            case ReportNote note:
                md.Append(note.Warning ? "> **Note:** " : "").Append(Cell(note.Text)).Append("\n\n");
                break;
            case ReportPartBlock part:
                md.Append(part.Markdown);
                break;
        }
    }

    /// <summary>Text safe inside a table cell and on one line: pipes escaped, line breaks flattened.</summary>
    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");
}
