using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Aibench.Tests.Infrastructure;

namespace Aibench.Tests.Host;

/// <summary>The published program as a user runs it: real Kestrel, real ports, real exit codes.</summary>
public sealed class BinaryStartupTests : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("aibench-bin-");

    private string Home => Path.Combine(_temp.FullName, "home");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Serve_prints_the_ready_line_and_answers_health_then_api_with_its_token()
    {
        await using var aibench = AibenchProcess.Start(Home, "serve", "--urls", "http://127.0.0.1:0");
        var url = await aibench.ReadyAsync(StartTimeout);

        Assert.Equal("127.0.0.1", url.Host);
        Assert.NotEqual(0, url.Port);
        Assert.Equal((await File.ReadAllTextAsync(Path.Combine(Home, "token"), Ct)).Trim(), aibench.Token);
        // Standard output carries the ready line only; logs go to standard error and the log file.
        Assert.Single(aibench.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        using var http = new HttpClient { BaseAddress = url };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/v1/services", Ct)).StatusCode);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", aibench.Token);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/v1/services", Ct)).StatusCode);
        // Static assets of the UI are served outside Development too.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/_content/MudBlazor/MudBlazor.min.css", Ct)).StatusCode);
        Assert.True(File.Exists(Path.Combine(Home, "aibench.db")));
    }

    [Fact]
    public async Task A_module_port_answers_only_that_modules_api()
    {
        var serverPort = AibenchProcess.FreePort();
        await using var aibench = AibenchProcess.Start(Home, "--urls", "http://127.0.0.1:0", "--set", $"Modules:Server:Port={serverPort}");
        var main = await aibench.ReadyAsync(StartTimeout);

        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", aibench.Token);
        var module = new Uri($"http://127.0.0.1:{serverPort}");

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(module, "/api/v1/services"), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(module, "/openapi/server.json"), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(module, "/health"), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri(module, "/api/v1/benchmarks"), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri(module, "/openapi/client.json"), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(main, "/api/v1/benchmarks"), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(main, "/api/v1/services"), Ct)).StatusCode);
    }

    [Fact]
    public async Task An_invalid_setting_stops_start_up_with_exit_code_3_naming_the_key()
    {
        await using var aibench = AibenchProcess.Start(Home, "serve", "--set", "Log:Level=Loud", "--set", "Modules:Logs:Port=x");
        Assert.Equal(3, await aibench.ExitCodeAsync(StartTimeout));
        Assert.Contains("Log:Level", aibench.Stderr);
        Assert.Contains("Modules:Logs:Port", aibench.Stderr);
        Assert.DoesNotContain("   at ", aibench.Stderr);
    }

    [Fact]
    public async Task Binding_beyond_loopback_needs_allow_remote()
    {
        await using var aibench = AibenchProcess.Start(Home, "--urls", "http://0.0.0.0:0");
        Assert.Equal(3, await aibench.ExitCodeAsync(StartTimeout));
        Assert.Contains("--allow-remote", aibench.Stderr);
    }

    [Fact]
    public async Task An_unknown_flag_is_a_usage_error()
    {
        await using var aibench = AibenchProcess.Start(Home, "serve", "--ulrs", "http://127.0.0.1:0");
        Assert.Equal(2, await aibench.ExitCodeAsync(StartTimeout));
        Assert.Contains("--ulrs", aibench.Stderr);
    }

    [Fact]
    public async Task An_unreachable_postgres_is_named_with_host_and_port_and_exit_code_4()
    {
        var port = AibenchProcess.FreePort();
        await using var aibench = AibenchProcess.Start(Home, "--urls", "http://127.0.0.1:0",
            "--set", $"ConnectionStrings:Postgres=Host=127.0.0.1;Port={port};Username=nobody;Timeout=3");
        Assert.Equal(4, await aibench.ExitCodeAsync(StartTimeout));
        Assert.Contains($"127.0.0.1:{port}", aibench.Stderr);
        Assert.DoesNotContain("   at ", aibench.Stderr);
    }

    [Fact]
    public async Task With_slurm_unreachable_a_deployment_waits_with_the_reason_and_the_host_keeps_serving()
    {
        await using var aibench = AibenchProcess.Start(Home, new Dictionary<string, string> { ["SLURM_CONF"] = "/nonexistent/slurm.conf" },
            "--urls", "http://127.0.0.1:0", "--set", "Scheduler:Kind=slurm", "--set", "Scheduler:Retries=0", "--set", "Scheduler:CommandTimeout=5s");
        var url = await aibench.ReadyAsync(StartTimeout);
        using var http = new HttpClient { BaseAddress = url };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", aibench.Token);

        var scheduler = await http.GetFromJsonAsync<JsonElement>("/api/v1/scheduler", Ct);
        Assert.Equal("slurm", scheduler.GetProperty("kind").GetString());
        Assert.False(scheduler.GetProperty("reachable").GetBoolean());

        // A recipe of the user's folder, so the test does not depend on what ships.
        Directory.CreateDirectory(Path.Combine(Home, "recipes"));
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Server", "Recipes", "http-server.yaml"), Path.Combine(Home, "recipes", "http-server.yaml"));
        JsonElement deployed = default;
        for (var i = 0; i < 20 && deployed.ValueKind == JsonValueKind.Undefined; i++)
        {
            var response = await http.PostAsJsonAsync("/api/v1/services", new { recipe = "http-server" }, Ct);
            if (response.StatusCode == HttpStatusCode.Created) deployed = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
            else await Task.Delay(250, Ct); // the recipe watcher picks the file up within a second
        }

        var id = deployed.GetProperty("id").GetGuid();
        JsonElement service;
        var until = DateTime.UtcNow.AddSeconds(30);
        do
        {
            await Task.Delay(250, Ct);
            service = await http.GetFromJsonAsync<JsonElement>($"/api/v1/services/{id}", Ct);
        }
        while (service.GetProperty("reason").GetString()?.Contains("waiting for the scheduler", StringComparison.Ordinal) != true
            && DateTime.UtcNow < until);

        Assert.Equal("pending", service.GetProperty("status").GetString());
        Assert.Contains("waiting for the scheduler", service.GetProperty("reason").GetString());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health", Ct)).StatusCode);
    }

    [Fact]
    public async Task The_simulator_prints_its_url_and_refuses_bad_flags_with_exit_code_2()
    {
        await using (var bad = AibenchProcess.Start(Home, "sim", "--ttft", "soon"))
        {
            Assert.Equal(2, await bad.ExitCodeAsync(StartTimeout));
            Assert.Contains("--ttft", bad.Stderr);
        }

        await using (var unknown = AibenchProcess.Start(Home, "sim", "--tft", "5ms"))
        {
            Assert.Equal(2, await unknown.ExitCodeAsync(StartTimeout));
        }

        await using var sim = AibenchProcess.Start(Home, "sim", "--port", "0", "--itl", "1ms");
        var until = DateTime.UtcNow + StartTimeout;
        while (!sim.Stdout.Contains("listening on", StringComparison.Ordinal) && DateTime.UtcNow < until) await Task.Delay(100, Ct);
        var url = System.Text.RegularExpressions.Regex.Match(sim.Stdout, @"listening on (?<u>http://\S+)").Groups["u"].Value;
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(url + "/health", Ct)).StatusCode);
    }

    [Fact]
    public async Task Help_lists_the_serve_options_and_exit_codes()
    {
        await using var aibench = AibenchProcess.Start(Home, "--help");
        Assert.Equal(0, await aibench.ExitCodeAsync(StartTimeout));
        foreach (var expected in new[] { "serve", "--urls", "--home", "--allow-remote", "--metrics-anonymous", "--set", "Exit codes" })
        {
            Assert.Contains(expected, aibench.Stdout);
        }
    }

    public void Dispose() => _temp.Delete(recursive: true);
}
