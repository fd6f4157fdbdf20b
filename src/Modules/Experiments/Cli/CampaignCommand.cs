using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Aibench.Shared.Cli;

namespace Aibench.Experiments.Cli;

/// <summary>
/// <c>aibench campaign submit file.yaml</c>: sends a campaign defined in YAML to the aibench that runs on this login
/// node (its REST API, as the dashboard does), after its preview: elements, node-hours and the job arrays it will
/// submit. <c>--preview</c> stops there; <c>--wait</c> follows it to the end and prints every cell's results. Exit codes:
/// 0 done (with <c>--wait</c>: every element completed), 1 an element failed, 2 a bad file or field (named with its
/// line), 3 the token was refused, 4 aibench does not answer.
/// </summary>
internal static class CampaignCommand
{
    public const string Name = "campaign";

    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "The campaign in YAML: base, axes, repeats, throttle, name (as the REST body)." };
        var (url, token) = (CampaignSession.UrlOption(), CampaignSession.TokenOption());
        var preview = new Option<bool>("--preview") { Description = "Show what it would submit, and submit nothing." };
        var wait = new Option<bool>("--wait") { Description = "Follow the campaign to its end and print every cell's results." };
        var submit = new Command("submit", "Submit a campaign defined in a YAML file to the running aibench.") { file, url, token, preview, wait };
        submit.SetAction(async (parse, ct) =>
        {
            try
            {
                var session = CampaignSession.Open(parse.GetValue(url), parse.GetValue(token));
                return await new CampaignSubmission(session, Console.Out, Console.Error)
                    .RunAsync(parse.GetValue(file)!, parse.GetValue(preview), parse.GetValue(wait), ct);
            }
            catch (CampaignFileException e)
            {
                await Console.Error.WriteLineAsync($"aibench campaign: {e.Message}");
                return ExitCodes.Usage;
            }
        });
        return new Command(Name, "Campaigns: grids of experiments over nodes and recipe parameters, with repeats.") { submit };
    }
}

/// <summary>Where the running aibench is and how to be let in.</summary>
internal sealed record CampaignSession(Uri Url, string Token)
{
    /// <summary>The <c>--url</c> option every command that talks to the running aibench takes.</summary>
    public static Option<string?> UrlOption()
        => new("--url") { Description = "aibench's address (default: AIBENCH_URLS, else http://127.0.0.1:8000)." };

    /// <summary>The <c>--token</c> option that goes with it.</summary>
    public static Option<string?> TokenOption() => new("--token")
    {
        Description = "The access token (default: AIBENCH_TOKEN, else the token file in AIBENCH_HOME or ~/.local/share/aibench).",
    };

    public static CampaignSession Open(string? url, string? token)
    {
        var address = url ?? Environment.GetEnvironmentVariable("AIBENCH_URLS")?.Split(';')[0] ?? "http://127.0.0.1:8000";
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new CampaignFileException($"--url: '{address}' is not an http(s) address like http://127.0.0.1:8000.");
        }

        if ((token ?? Environment.GetEnvironmentVariable("AIBENCH_TOKEN")) is { Length: > 0 } given) return new CampaignSession(uri, given);
        var tokenFile = AibenchHome.TokenFile(AibenchHome.Current());
        try
        {
            return new CampaignSession(uri, File.ReadAllText(tokenFile).Trim());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CampaignFileException($"--token: none given and {tokenFile} cannot be read ({e.Message}); give --token or AIBENCH_TOKEN.");
        }
    }
}

/// <summary>One <c>campaign submit</c>: preview, submission, and the wait, written to the console.</summary>
internal sealed class CampaignSubmission(CampaignSession session, TextWriter output, TextWriter error)
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(2);

    public async Task<int> RunAsync(string path, bool previewOnly, bool wait, CancellationToken ct)
    {
        var file = CampaignFile.Read(path);
        using var http = new HttpClient { BaseAddress = session.Url, Timeout = TimeSpan.FromSeconds(100) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", session.Token);
        try
        {
            var (previewCode, preview) = await PostAsync(http, "/api/v1/campaigns/preview", file, ct);
            if (preview is null) return previewCode;
            await WritePreviewAsync(preview);
            if (previewOnly) return ExitCodes.Ok;

            var (createCode, created) = await PostAsync(http, "/api/v1/campaigns", file, ct);
            if (created is null) return createCode;
            var id = created["id"]!.GetValue<Guid>();
            await output.WriteLineAsync($"submitted: campaign {id}");
            await output.WriteLineAsync($"  {new Uri(session.Url, $"/campaigns/{id}")}");
            return wait ? await WaitAsync(http, id, ct) : ExitCodes.Ok;
        }
        catch (HttpRequestException e) when (e.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            await error.WriteLineAsync($"aibench campaign: {session.Url} refused the token ({(int)e.StatusCode}); give --token or AIBENCH_TOKEN.");
            return ExitCodes.Configuration;
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !ct.IsCancellationRequested))
        {
            await error.WriteLineAsync($"aibench campaign: aibench does not answer at {session.Url}: {e.Message}");
            return ExitCodes.DependencyUnavailable;
        }
    }

    /// <summary>Posts the file's body; a refusal is written with each field's line in the file.</summary>
    private async Task<(int Code, JsonNode? Answer)> PostAsync(HttpClient http, string url, CampaignFile file, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync(url, file.Body, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (response.IsSuccessStatusCode) return (ExitCodes.Ok, JsonNode.Parse(text));
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            await error.WriteLineAsync($"aibench campaign: {session.Url} refused the token ({(int)response.StatusCode}); give --token or "
                + $"AIBENCH_TOKEN.");
            return (ExitCodes.Configuration, null);
        }

        var problem = Parse(text);
        if (response.StatusCode == HttpStatusCode.BadRequest && problem?["errors"] is JsonObject errors)
        {
            foreach (var (field, messages) in errors)
            {
                var where = file.LineOf(field) is { } line ? $"{file.Path}, line {line}" : file.Path;
                foreach (var message in messages?.AsArray() ?? [])
                {
                    await error.WriteLineAsync($"aibench campaign: {where}: {field}: {message}");
                }
            }

            await error.WriteLineAsync("Nothing was submitted.");
            return (ExitCodes.Usage, null);
        }

        await error.WriteLineAsync($"aibench campaign: {url} answered {(int)response.StatusCode}: {problem?["detail"] ?? problem?["title"] ?? text}");
        return (ExitCodes.Failure, null);
    }

    private async Task WritePreviewAsync(JsonNode preview)
    {
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"campaign '{preview["name"]}': {preview["elements"]} elements ({preview["cells"]} cells x {preview["repeats"]} repeats), "
                + $"{preview["nodeHours"]} node-hours at most"));
        foreach (var submission in preview["submissions"]?.AsArray() ?? [])
        {
            await output.WriteLineAsync($"  {submission?["description"]}");
        }
    }

    private async Task<int> WaitAsync(HttpClient http, Guid id, CancellationToken ct)
    {
        var last = "";
        while (true)
        {
            var detail = JsonNode.Parse(await http.GetStringAsync($"/api/v1/campaigns/{id}", ct))!;
            var c = detail["campaign"]!;
            var progress = $"{c["status"]}: {c["done"]} done, {c["running"]} running, {c["queued"]} queued, {c["failed"]} failed";
            if (progress != last)
            {
                await output.WriteLineAsync(progress);
                last = progress;
            }

            if (c["status"]!.GetValue<string>() != "running")
            {
                foreach (var cell in detail["cells"]?.AsArray() ?? [])
                {
                    await output.WriteLineAsync($"  {cell!["label"]}: {Spread(cell["throughput"], "req/s")}, "
                        + $"{Spread(cell["outputThroughput"], "output tok/s")}"
                        + (cell["capacity"] is JsonObject ? $", capacity {Spread(cell["capacity"], "req/s")}" : "")
                        + (cell["unstable"]?.GetValue<bool>() == true ? " (unstable)" : ""));
                }

                foreach (var failed in detail["elements"]?.AsArray().Where(e => e?["status"]?.GetValue<string>() is "failed" or "cancelled") ?? [])
                {
                    await output.WriteLineAsync($"  element {failed!["index"]} ({failed["label"]}) {failed["status"]}: {failed["reason"]}");
                }

                return c["status"]!.GetValue<string>() == "completed" && c["failed"]!.GetValue<int>() == 0 ? ExitCodes.Ok : ExitCodes.Failure;
            }

            await Task.Delay(Poll, ct);
        }
    }

    private static string Spread(JsonNode? node, string unit) => node is not JsonObject s
        ? $"- {unit}"
        : string.Create(CultureInfo.InvariantCulture, $"{s["mean"]!.GetValue<double>():0.##}{(s["halfWidth"] is JsonValue h
            ? string.Create(CultureInfo.InvariantCulture, $" ± {h.GetValue<double>():0.##}") : "")} {unit} (n={s["n"]})");

    private static JsonNode? Parse(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
