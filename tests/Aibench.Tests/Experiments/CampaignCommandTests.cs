using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Aibench.Tests.Infrastructure;

namespace Aibench.Tests.Experiments;

/// <summary>
/// <c>aibench campaign submit file.yaml</c> against a running aibench (the published program on the local scheduler),
/// with the token read from the home as a user on the login node has it.
/// </summary>
[Collection(nameof(HostCollection))]
public sealed class CampaignCommandTests : IAsyncLifetime
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("aibench-campaign-cli-");
    private AibenchProcess _server = null!;
    private Uri _url = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Home => Path.Combine(_temp.FullName, "home");

    public async ValueTask InitializeAsync()
    {
        _server = AibenchProcess.Start(Home, "serve", "--urls", "http://127.0.0.1:0", "--set", "Scheduler:Kind=local", "--set",
            "Scheduler:PollSeconds=1", "--set", "Experiments:PollSeconds=1", "--set", "Experiments:CollectDelay=1s");
        _url = await _server.ReadyAsync(TimeSpan.FromSeconds(90));
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _temp.Delete(recursive: true);
    }

    [Fact]
    public async Task A_yaml_campaign_is_previewed_submitted_and_followed_to_its_results_and_exits_zero()
    {
        var file = Write("seqs.yaml", """
            # Two values of max_num_seqs, one repeat each: one job array of two elements.
            name: seqs from yaml
            base:
              recipe: vllm-sim
              testType: throughput
              duration: 2s
              warmup: 0s
              load:
                concurrency: 2
                dataset: "random:input=32,output=8"
            axes:
              parameters:
                max_num_seqs: [1, 8]
            repeats: 1
            throttle: 2
            """);

        var (code, stdout, stderr) = await RunAsync("campaign", "submit", file, "--url", _url.ToString(), "--wait");

        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("campaign 'seqs from yaml': 2 elements (2 cells x 1 repeats)", stdout);
        Assert.Contains("one job array of 2 elements", stdout);
        Assert.Matches(@"submitted: campaign [0-9a-f-]{36}", stdout);
        Assert.Contains("completed: 2 done, 0 running, 0 queued, 0 failed", stdout);
        Assert.Matches(@"max_num_seqs=1: [0-9.]+ req/s \(n=1\)", stdout);
        Assert.Matches(@"max_num_seqs=8: [0-9.]+ req/s \(n=1\)", stdout);
        var campaigns = await CampaignsAsync();
        Assert.Equal("seqs from yaml", Assert.Single(campaigns).GetProperty("name").GetString());

        // Its report, and an element's, written by `aibench report` (the id says which kind it is).
        var id = Assert.Single(campaigns).GetProperty("id").GetString()!;
        var html = Path.Combine(_temp.FullName, "campaign.html");
        var (reportCode, reportOut, reportErr) = await RunAsync("report", id, "-o", html, "--url", _url.ToString());
        Assert.True(reportCode == 0, $"exit {reportCode}\n{reportOut}\n{reportErr}");
        Assert.Contains("the campaign report is in", reportOut);
        Assert.Contains("data-section=\"cells\"", await File.ReadAllTextAsync(html, Ct));
        Assert.False(File.Exists(html + ".part"));
        using var http = new HttpClient { BaseAddress = _url };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _server.Token);
        var detail = await http.GetFromJsonAsync<JsonElement>($"/api/v1/campaigns/{id}", Ct);
        var experiment = detail.GetProperty("elements")[0].GetProperty("experimentId").GetString()!;
        var (mdCode, md, mdErr) = await RunAsync("report", experiment, "--format", "md", "-o", "-", "--url", _url.ToString());
        Assert.True(mdCode == 0, $"exit {mdCode}\n{md}\n{mdErr}");
        Assert.StartsWith("### aibench experiment report:", md);

        // The two elements compared: their deployments differ in max_num_seqs, and the runs' numbers follow side by side.
        var other = detail.GetProperty("elements")[1].GetProperty("experimentId").GetString()!;
        var (cmpCode, cmp, cmpErr) = await RunAsync("report", experiment, "--compare", other, "--format", "md", "-o", "-", "--url", _url.ToString());
        Assert.True(cmpCode == 0, $"exit {cmpCode}\n{cmp}\n{cmpErr}");
        Assert.StartsWith("### aibench comparison report:", cmp);
        Assert.Matches(@"\| parameters\.max_num_seqs \| (1 \| 8|8 \| 1) \|", cmp);
        Assert.Contains("| request throughput (req/s) |", cmp);

        Assert.Equal(1, (await RunAsync("report", Guid.NewGuid().ToString(), "--url", _url.ToString())).Code);
        var (badCode, _, badErr) = await RunAsync("report", experiment, "--format", "pdf", "--url", _url.ToString());
        Assert.Equal(2, badCode);
        Assert.Contains("--format: 'pdf' is not html or md.", badErr);
    }

    [Fact]
    public async Task A_bad_campaign_file_is_refused_naming_the_field_and_its_line_and_nothing_is_submitted()
    {
        var emptyAxis = Write("empty-axis.yaml", """
            base:
              recipe: vllm-sim
              testType: throughput
              duration: 2s
            axes:
              nodes: []
            """);
        var (code, _, stderr) = await RunAsync("campaign", "submit", emptyAxis, "--url", _url.ToString());
        Assert.Equal(2, code);
        Assert.Contains("empty-axis.yaml, line 6: axes.nodes:", stderr);
        Assert.Contains("Nothing was submitted.", stderr);

        var unknown = Write("unknown.yaml", """
            base:
              recipe: vllm-sim
              testType: throughput
              duration: 2s
            axes:
              parameters:
                no_such_parameter: [1, 2]
            """);
        (code, _, stderr) = await RunAsync("campaign", "submit", unknown, "--url", _url.ToString(), "--preview");
        Assert.Equal(2, code);
        Assert.Contains("unknown.yaml, line 7: axes.parameters.no_such_parameter:", stderr);

        var broken = Write("broken.yaml", "base:\n  recipe: [vllm-sim\naxes: {}\n");
        (code, _, stderr) = await RunAsync("campaign", "submit", broken, "--url", _url.ToString());
        Assert.Equal(2, code);
        Assert.Contains("broken.yaml, line 3", stderr);

        (code, _, stderr) = await RunAsync("campaign", "submit", Path.Combine(_temp.FullName, "missing.yaml"), "--url", _url.ToString());
        Assert.Equal(2, code);
        Assert.Contains("missing.yaml: cannot be read", stderr);

        (code, _, stderr) = await RunAsync("campaign", "submit", emptyAxis, "--url", _url.ToString(), "--token", "not-the-token-of-this-aibench");
        Assert.Equal(3, code);
        Assert.Contains("refused the token", stderr);

        Assert.Empty(await CampaignsAsync());
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_temp.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    private async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        await using var command = AibenchProcess.Start(Home, args);
        var code = await command.ExitCodeAsync(TimeSpan.FromMinutes(3));
        return (code, command.Stdout, command.Stderr);
    }

    private async Task<JsonElement[]> CampaignsAsync()
    {
        using var http = new HttpClient { BaseAddress = _url };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _server.Token);
        return await http.GetFromJsonAsync<JsonElement[]>("/api/v1/campaigns", Ct) ?? [];
    }
}
