using System.Text;
using Aibench.Client.LoadGen;
using Aibench.Contracts.Client;

namespace Aibench.Client.Cli;

/// <summary>The files <c>aibench loadgen</c> writes: the result document (<c>--output</c>), the request records
/// (<c>--requests</c>, CSV or JSONL by the name's ending), the report (<c>--report</c>) and, with <c>--calibrate-only</c>, the envelope.</summary>
internal static class LoadgenFiles
{
    public static Task WriteResultAsync(string path, ResultDocument.Identity identity, BenchmarkSpec spec, RunOutcome outcome, RunSummary summary) =>
        WriteAtomicallyAsync(path, stream => stream.WriteAsync(ResultDocument.Build(identity, spec, outcome, summary)).AsTask());

    public static Task WriteRequestsAsync(string path, IReadOnlyList<RequestRecord> records, string tokenCounter) =>
        WriteAtomicallyAsync(path, async stream =>
        {
            if (path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
            {
                await Exports.WriteJsonlAsync(records, stream, CancellationToken.None, tokenCounter);
                return;
            }

            await using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true) { NewLine = "\n" };
            await Exports.WriteCsvAsync(records, writer, CancellationToken.None, tokenCounter);
        });

    /// <summary>The run's report: HTML or Markdown by the file name's ending.</summary>
    public static Task WriteReportAsync(string path, Shared.Reports.ReportDocument report) =>
        WriteAtomicallyAsync(path, stream => stream.WriteAsync(Encoding.UTF8.GetBytes(path.EndsWith(".md", StringComparison.OrdinalIgnoreCase)
            ? Shared.Reports.ReportMarkdown.Render(report) : Shared.Reports.ReportHtml.Render(report))).AsTask());

    public static Task WriteEnvelopeAsync(string path, ClientEnvelope envelope, string dataset, LoadShape? shape) =>
        WriteAtomicallyAsync(path, stream => stream.WriteAsync(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(
            new { envelope, dataset, shape }, Indented)).AsTask());

    private static readonly System.Text.Json.JsonSerializerOptions Indented = new(Json.Options) { WriteIndented = true };

    /// <summary>Into a temporary file first, so that a crash or a full disk never leaves half a result behind.</summary>
    private static async Task WriteAtomicallyAsync(string path, Func<Stream, Task> write)
    {
        var temporary = path + ".tmp";
        try
        {
            await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 65_536, useAsync: true))
            {
                await write(stream);
                await stream.FlushAsync();
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
