using System.Globalization;
using System.Net;
using System.Text;
using Aibench.Shared.Components.Charts;

namespace Aibench.Shared.Reports;

/// <summary>
/// Renders a <see cref="ReportDocument"/> to one HTML file that needs nothing else: styles, charts (SVG drawn by
/// <see cref="ChartSvg"/>) and the few lines of script that save a chart as SVG or PNG are all inside it, so it opens
/// offline, on a phone, and prints to PDF. Nothing in it points outside the file.
/// </summary>
public static class ReportHtml
{
    /// <summary>The size charts are drawn at; the page scales them to its width (the SVG keeps its view box).</summary>
    public const int ChartWidth = 880;

    public const int ChartHeight = 300;

    /// <summary>PNG downloads are drawn at this many pixels per SVG unit: 880 units become 3,520 px, 300 dpi at 30 cm.</summary>
    public const int PngScale = 4;

    public static string Render(ReportDocument report)
    {
        var html = new StringBuilder(64 * 1024);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<meta name=\"generator\" content=\"aibench ").Append(E(ReportDocument.Version)).Append("\">")
            .Append("<title>").Append(E($"aibench {report.Kind} report: {report.Title}")).Append("</title>")
            .Append("<style>").Append(Css).Append("</style></head>\n<body>")
            .Append("<header data-testid=\"report-header\"><p class=\"kind\">aibench ").Append(E(report.Kind)).Append(" report</p><h1>")
            .Append(E(report.Title)).Append("</h1><p class=\"muted\">Made ")
            .Append(E(report.Generated.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)))
            .Append(" by aibench ").Append(E(ReportDocument.Version)).Append(".</p>");
        if (report.Sections.Count > 1)
        {
            html.Append("<nav><ol>");
            foreach (var s in report.Sections)
            {
                html.Append("<li><a href=\"#").Append(E(s.Id)).Append("\">").Append(E(s.Title)).Append("</a></li>");
            }

            html.Append("</ol></nav>");
        }

        html.Append("</header>\n<main>");
        foreach (var section in report.Sections)
        {
            html.Append(Section(section)).Append('\n');
        }

        html.Append("</main>\n<script>").Append(Script.Replace("{scale}", PngScale.ToString(CultureInfo.InvariantCulture),
            StringComparison.Ordinal)).Append("</script></body></html>\n");
        return html.ToString();
    }

    /// <summary>One section as HTML (a module hands this to another, which embeds it in its own report).</summary>
    public static string Section(ReportSection section)
    {
        // A part another module rendered is a whole section element already (its id, heading and blocks).
        if (section.Blocks is [ReportPartBlock whole]) return whole.Html;
        var html = new StringBuilder();
        html.Append("<section id=\"").Append(E(section.Id)).Append("\" data-testid=\"report-section\" data-section=\"").Append(E(section.Id))
            .Append("\"><h2>").Append(E(section.Title)).Append("</h2>");
        foreach (var block in section.Blocks)
        {
            Block(html, block);
        }

        return html.Append("</section>").ToString();
    }

    /// <summary>A chart as standalone SVG with its legend drawn inside, as the report shows it and downloads it.</summary>
    public static string FigureSvg(ReportFigure figure)
    {
        var legend = ChartSvg.Legend(figure.Chart);
        var (svg, _) = ChartSvg.Render(figure.Chart, ChartWidth, ChartHeight);
        // Legend entries flow in rows under the plot; 7 px a character is the width of 12 px system-ui text, near enough.
        var rows = new List<List<(string Name, string Colour, int X)>> { new() };
        var x = ChartSvg.Left;
        foreach (var (name, colour) in legend)
        {
            var w = 26 + (7 * name.Length) + 18;
            if (x + w > ChartWidth && rows[^1].Count > 0)
            {
                rows.Add([]);
                x = ChartSvg.Left;
            }

            rows[^1].Add((name, colour, x));
            x += w;
        }

        var legendHeight = legend.Count == 0 ? 0 : (rows.Count * 20) + 6;
        var height = ChartHeight + legendHeight;
        var title = $"{figure.Title}";
        var out_ = new StringBuilder();
        out_.Append(CultureInfo.InvariantCulture,
            $"""<svg xmlns="http://www.w3.org/2000/svg" width="{ChartWidth}" height="{height}" viewBox="0 0 {ChartWidth} {height}" """)
            .Append(CultureInfo.InvariantCulture, $"""role="img" aria-label="{E(title)}" font-family="system-ui, sans-serif" font-size="12">""");
        out_.Append(svg);
        for (var r = 0; r < rows.Count; r++)
        {
            var y = ChartHeight + 14 + (r * 20);
            foreach (var (name, colour, lx) in rows[r])
            {
                out_.Append(CultureInfo.InvariantCulture,
                        $"""<line x1="{lx}" x2="{lx + 20}" y1="{y - 4}" y2="{y - 4}" stroke="{colour}" stroke-width="3"/>""")
                    .Append(CultureInfo.InvariantCulture, $"""<text x="{lx + 26}" y="{y}" fill="currentColor">{E(name)}</text>""");
            }
        }

        return out_.Append("</svg>").ToString();
    }

    private static void Block(StringBuilder html, ReportBlock block)
    {
        switch (block)
        {
            case ReportFacts facts:
                html.Append("<dl class=\"facts\">");
                foreach (var (key, value) in facts.Items)
                {
                    html.Append("<div><dt>").Append(E(key)).Append("</dt><dd>").Append(E(value)).Append("</dd></div>");
                }

                html.Append("</dl>");
                break;
            case ReportTable table:
                html.Append("<div class=\"scroll\" tabindex=\"0\"><table>");
                if (table.Caption is { } caption) html.Append("<caption>").Append(E(caption)).Append("</caption>");
                html.Append("<thead><tr>");
                for (var i = 0; i < table.Headers.Count; i++)
                {
                    html.Append(i >= table.NumericFrom ? "<th class=\"n\" scope=\"col\">" : "<th scope=\"col\">").Append(E(table.Headers[i]))
                        .Append("</th>");
                }

                html.Append("</tr></thead><tbody>");
                for (var r = 0; r < table.Rows.Count; r++)
                {
                    var mark = table.Marks is { } marks && r < marks.Count ? marks[r] : null;
                    html.Append(mark is null ? "<tr>" : $"<tr class=\"{E(mark)}\">");
                    var row = table.Rows[r];
                    for (var i = 0; i < row.Count; i++)
                    {
                        html.Append(i == 0 ? "<th scope=\"row\">" : i >= table.NumericFrom ? "<td class=\"n\">" : "<td>").Append(E(row[i]))
                            .Append(i == 0 ? "</th>" : "</td>");
                    }

                    html.Append("</tr>");
                }

                html.Append("</tbody></table></div>");
                break;
            case ReportFigure figure:
                html.Append("<figure id=\"fig-").Append(E(figure.Id)).Append("\" data-testid=\"report-figure\" data-figure=\"").Append(E(figure.Id))
                    .Append("\"><figcaption><span class=\"title\">").Append(E(figure.Title)).Append("</span>")
                    .Append("<span class=\"saves\"><button type=\"button\" data-save=\"svg\">SVG</button>")
                    .Append("<button type=\"button\" data-save=\"png\">PNG</button></span></figcaption>");
                html.Append(figure.Chart.IsEmpty ? "<p class=\"muted\">No data for this chart.</p>" : FigureSvg(figure));
                if (figure.Caption is { } text) html.Append("<p class=\"caption\">").Append(E(text)).Append("</p>");
                html.Append("</figure>");
                break;
            case ReportNote note:
                html.Append(note.Warning ? "<p class=\"note warning\">" : "<p class=\"note\">").Append(E(note.Text)).Append("</p>");
                break;
            case ReportLines lines:
                html.Append("<pre class=\"lines\" tabindex=\"0\">");
                foreach (var line in lines.Lines)
                {
                    html.Append(E(line)).Append('\n');
                }

                html.Append("</pre>");
                break;
            case ReportPartBlock part:
                html.Append(part.Html);
                break;
        }
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);

    // Light by default (reports are printed), dark where the reader's system asks for it; charts draw in currentColor.
    private const string Css = """
        :root{color-scheme:light dark;--fg:#1d2127;--muted:#5b6470;--bg:#fff;--line:#d9dde3;--head:#f3f5f8;--better:#0b6b2e;--worse:#a4161a;
        --warn-bg:#fff4e5;--warn:#7a4100}
        @media (prefers-color-scheme:dark){:root{--fg:#e6e9ee;--muted:#a9b1bc;--bg:#16181c;--line:#3a3f47;--head:#23262c;--better:#6fdc8c;
        --worse:#ff8a8a;--warn-bg:#3a2a10;--warn:#ffcc80}}
        *{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);
        background:var(--bg)}header,main{max-width:1000px;margin:0 auto;padding:0 16px}header{padding-top:24px}
        h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.2rem;margin:2rem 0 .6rem;padding-bottom:.2rem;border-bottom:1px solid var(--line)}
        .kind{margin:0;text-transform:uppercase;letter-spacing:.06em;font-size:.8rem;color:var(--muted)}.muted{color:var(--muted)}
        nav ol{display:flex;flex-wrap:wrap;gap:.3rem 1rem;padding:0;margin:.5rem 0;list-style:none}a{color:inherit}
        dl.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:.4rem 1.2rem;margin:0}
        dl.facts div{min-width:0}dt{font-size:.8rem;color:var(--muted)}dd{margin:0;overflow-wrap:anywhere}
        .scroll{overflow-x:auto;margin:.5rem 0}table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
        caption{text-align:left;color:var(--muted);padding:.2rem 0}th,td{padding:.3rem .6rem;border-bottom:1px solid var(--line);text-align:left;
        white-space:nowrap}thead th{background:var(--head);font-weight:600}.n{text-align:right}tbody th{font-weight:500}
        tr.better td:last-child{color:var(--better);font-weight:600}tr.worse td:last-child{color:var(--worse);font-weight:600}
        figure{margin:1rem 0;break-inside:avoid}figcaption{display:flex;justify-content:space-between;align-items:center;gap:.5rem;font-weight:600}
        figure svg{display:block;width:100%;height:auto;color:var(--fg)}.caption{margin:.2rem 0;color:var(--muted);font-size:.9rem}
        button{font:inherit;font-size:.8rem;padding:.1rem .5rem;margin-left:.3rem;border:1px solid var(--line);border-radius:4px;
        background:var(--head);color:var(--fg);cursor:pointer}
        .note{margin:.5rem 0}.warning{background:var(--warn-bg);color:var(--warn);padding:.5rem .7rem;border-radius:4px}
        pre.lines{overflow:auto;max-height:24rem;background:var(--head);padding:.6rem;font-size:.8rem;border-radius:4px}
        @media print{nav,.saves{display:none}body{font-size:11pt}h2{break-after:avoid}pre.lines{max-height:none;white-space:pre-wrap}}
        """;

    // Saves a chart as its SVG, or as a PNG drawn by the browser itself (no library, no network): always light, for paper.
    private const string Script = """
        document.addEventListener('click', function (e) {
          var b = e.target.closest('button[data-save]'); if (!b) return;
          var fig = b.closest('figure'), svg = fig && fig.querySelector('svg'); if (!svg) return;
          var copy = svg.cloneNode(true); copy.setAttribute('color', '#1d2127'); copy.setAttribute('style', 'background:#fff');
          var text = new XMLSerializer().serializeToString(copy), name = 'aibench-' + fig.dataset.figure;
          function save(blob, file) { var a = document.createElement('a'); a.href = URL.createObjectURL(blob); a.download = file;
            document.body.appendChild(a); a.click(); setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000); }
          if (b.dataset.save === 'svg') { save(new Blob([text], { type: 'image/svg+xml' }), name + '.svg'); return; }
          var img = new Image(), box = svg.viewBox.baseVal, k = {scale};
          img.onload = function () { var c = document.createElement('canvas'); c.width = box.width * k; c.height = box.height * k;
            var g = c.getContext('2d'); g.fillStyle = '#fff'; g.fillRect(0, 0, c.width, c.height); g.drawImage(img, 0, 0, c.width, c.height);
            c.toBlob(function (p) { save(p, name + '.png'); }, 'image/png'); };
          img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(text);
        });
        """;
}
