using System.CommandLine;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Aibench.Shared.Cli;

namespace Aibench.Experiments.Cli;

/// <summary>
/// <c>aibench report &lt;id&gt; -o file.html</c>: the report of an experiment, a campaign or a load run, fetched from
/// the aibench that runs on this login node (its REST API, as the dashboard does) and written to a file;
/// <c>--compare</c> makes the comparison report of runs. Exit codes: 0 written, 1 no such result or not finished,
/// 2 a bad flag, 3 the token was refused, 4 aibench does not answer.
/// </summary>
internal static class ReportCommand
{
    public const string Name = "report";

    public static Command Create()
    {
        var id = new Argument<string>("id") { Description = "An experiment, campaign or benchmark run id (the first run when comparing)." };
        var output = new Option<string?>("--output", "-o")
        {
            Description = "Where to write it ('-' for standard output; default aibench-<kind>-<id>.<format> here).",
        };
        var format = new Option<string>("--format") { Description = "html (one self-contained file) or md (the summary).", DefaultValueFactory = _
            => "html" };
        var compare = new Option<string[]>("--compare")
        {
            Description = "Compare <id> with these (1 to 7 more experiment ids, or run ids): the comparison report.",
            AllowMultipleArgumentsPerToken = true,
        };
        var (url, token) = (CampaignSession.UrlOption(), CampaignSession.TokenOption());
        var command = new Command(Name, "Write the report of an experiment, campaign or run (or compare runs) to a file.")
        {
            id, output, format, compare, url, token,
        };
        command.SetAction(async (parse, ct) =>
        {
            try
            {
                var session = CampaignSession.Open(parse.GetValue(url), parse.GetValue(token));
                return await new ReportDownload(session, Console.Out, Console.Error).RunAsync(parse.GetValue(id)!, parse.GetValue(format)!,
                    parse.GetValue(compare) ?? [], parse.GetValue(output), ct);
            }
            catch (CampaignFileException e)
            {
                await Console.Error.WriteLineAsync($"aibench report: {e.Message}");
                return ExitCodes.Usage;
            }
        });
        return command;
    }
}

/// <summary>One <c>aibench report</c>: finds what the id is, fetches its report and writes it whole or not at all.</summary>
internal sealed class ReportDownload(CampaignSession session, TextWriter output, TextWriter error)
{
    /// <summary>Where each kind's report is, in the order an id is tried.</summary>
    private static readonly (string Kind, string Path)[] Kinds =
        [("experiment", "/api/v1/experiments/{0}/report"), ("campaign", "/api/v1/campaigns/{0}/report"), ("run", "/api/v1/benchmarks/{0}/report")];

    public async Task<int> RunAsync(string id, string format, IReadOnlyList<string> compare, string? path, CancellationToken ct)
    {
        if (format is not ("html" or "md")) return await UsageAsync($"--format: '{format}' is not html or md.");
        var ids = new[] { id }.Concat(compare.SelectMany(c
            => c.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))).ToList();
        if (ids.FirstOrDefault(i => !Guid.TryParse(i, out _)) is { } bad)
        {
            return await UsageAsync($"{(bad == id ? "id" : "--compare")}: '{bad}' is not an id (a GUID).");
        }

        using var http = new HttpClient { BaseAddress = session.Url, Timeout = TimeSpan.FromSeconds(120) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", session.Token);
        try
        {
            if (ids.Count > 1)
            {
                // Experiments first (their report also says what differed in the deployments), else load runs.
                var list = string.Join(",", ids);
                return await FetchAsync(http, "experiment comparison", $"/api/v1/experiments/compare/report?ids={list}&format={format}",
                        $"aibench-comparison-{id}.{format}", path, ct)
                    ?? await FetchAsync(http, "comparison", $"/api/v1/benchmarks/compare/report?ids={list}&format={format}",
                        $"aibench-comparison-{id}.{format}", path, ct) ?? ExitCodes.Failure;
            }

            foreach (var (kind, template) in Kinds)
            {
                var code = await FetchAsync(http, kind, string.Format(System.Globalization.CultureInfo.InvariantCulture, template, id)
                    + $"?format={format}",
                    $"aibench-{kind}-{id}.{format}", path, ct);
                if (code is { } done) return done;
            }

            await error.WriteLineAsync($"aibench report: no experiment, campaign or run has the id {id} at {session.Url}.");
            return ExitCodes.Failure;
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !ct.IsCancellationRequested))
        {
            await error.WriteLineAsync($"aibench report: aibench does not answer at {session.Url}: {e.Message}");
            return ExitCodes.DependencyUnavailable;
        }
    }

    /// <summary>The exit code once answered; null on a 404 (another kind may have the id).</summary>
    private async Task<int?> FetchAsync(HttpClient http, string kind, string url, string defaultName, string? path, CancellationToken ct)
    {
        using var response = await http.GetAsync(url, ct);
        if (response.StatusCode == HttpStatusCode.NotFound && kind != "comparison") return null;
        var body = await response.Content.ReadAsByteArrayAsync(ct);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            await error.WriteLineAsync($"aibench report: {session.Url} refused the token ({(int)response.StatusCode}); give --token or "
                + $"AIBENCH_TOKEN.");
            return ExitCodes.Configuration;
        }

        if (!response.IsSuccessStatusCode)
        {
            await error.WriteLineAsync($"aibench report: the {kind} report was refused ({(int)response.StatusCode}): {Detail(body)}");
            return response.StatusCode == HttpStatusCode.BadRequest ? ExitCodes.Usage : ExitCodes.Failure;
        }

        if (path == "-")
        {
            await using var stdout = Console.OpenStandardOutput();
            await stdout.WriteAsync(body, ct);
            return ExitCodes.Ok;
        }

        var target = Path.GetFullPath(path ?? defaultName);
        // Written beside the target and moved over it: an interrupted write never leaves half a report.
        var temporary = target + ".part";
        await File.WriteAllBytesAsync(temporary, body, ct);
        File.Move(temporary, target, overwrite: true);
        await output.WriteLineAsync($"aibench report: the {kind} report is in {target} ({body.Length:N0} bytes)");
        return ExitCodes.Ok;
    }

    private async Task<int> UsageAsync(string message)
    {
        await error.WriteLineAsync($"aibench report: {message}");
        return ExitCodes.Usage;
    }

    /// <summary>A ProblemDetails' detail and field errors, or the body as text.</summary>
    private static string Detail(byte[] body)
    {
        try
        {
            var problem = JsonDocument.Parse(body).RootElement;
            var errors = problem.TryGetProperty("errors", out var e) && e.ValueKind == JsonValueKind.Object
                ? string.Join("; ", e.EnumerateObject().SelectMany(f => f.Value.EnumerateArray().Select(m => m.GetString())))
                : null;
            return errors ?? (problem.TryGetProperty("detail", out var d) ? d.GetString() : null) ?? System.Text.Encoding.UTF8.GetString(body);
        }
        catch (JsonException)
        {
            return System.Text.Encoding.UTF8.GetString(body);
        }
    }
}
