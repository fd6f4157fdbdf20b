using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Aibench.Tests.Infrastructure;
using Aibench.Tests.Server;

namespace Aibench.Tests.Monitor;

/// <summary>
/// Metrics of a real deployment: the simulator's vLLM metrics and the node exporter sidecars, scraped by aibench and
/// by a real Prometheus that finds them through aibench's HTTP service discovery.
/// </summary>
[Collection(nameof(HostCollection))]
public sealed class MonitoringTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly IDictionary<string, string?> FastScrape = new Dictionary<string, string?> { ["Monitor:ScrapeSeconds"] = "1" };

    private static async Task<JsonElement> GetAsync(HttpClient client, string path) =>
        await client.GetFromJsonAsync<JsonElement>(path, Ct);

    private static async Task<JsonElement> EventuallyAsync(Func<Task<JsonElement?>> probe, string what, TimeSpan? patience = null)
    {
        var until = DateTime.UtcNow + (patience ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            if (await probe() is { } value) return value;
            if (DateTime.UtcNow > until) Assert.Fail($"gave up waiting for {what}");
            await Task.Delay(250, Ct);
        }
    }

    [Fact]
    public async Task A_service_under_load_is_scraped_and_its_rates_and_quantiles_follow_the_load()
    {
        await using var host = ServerHost.Start("local", extra: FastScrape);
        var id = (await host.DeployAsync(new { recipe = "vllm-sim", nodes = 2 })).GetProperty("id").GetGuid();
        try
        {
            var ready = await host.WaitAsync(id, s => ServerHost.StatusIs(s, "ready", "failed"), TimeSpan.FromSeconds(90));
            Assert.True(ServerHost.StatusIs(ready, "ready"), ready.ToString());
            var start = DateTimeOffset.UtcNow;

            // Both replicas' /metrics become targets that are up.
            await EventuallyAsync(async () =>
            {
                var scrapes = await GetAsync(host.Client, "/api/v1/metrics/scrapes");
                var up = scrapes.EnumerateArray().Count(t => t.GetProperty("kind").GetString() == "service"
                    && t.GetProperty("serviceId").GetString() == id.ToString() && t.GetProperty("up").GetBoolean()
                        && t.GetProperty("lastSamples").GetInt32() > 50);
                return up == 2 ? scrapes : null;
            }, "both replicas scraped");

            var started = await host.Client.PostAsJsonAsync("/api/v1/benchmarks", new
            {
                service = id, load = new { kind = "concurrency", concurrency = 8 }, duration = "4s", dataset = "random:input=64,output=32",
            }, Ct);
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
            var benchmark = (await started.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
            var run = await EventuallyAsync(async () =>
            {
                var r = (await GetAsync(host.Client, $"/api/v1/benchmarks/{benchmark}")).GetProperty("run");
                return r.GetProperty("status").GetString() is "pending" or "running" ? (JsonElement?)null : r;
            }, "the benchmark to end");
            Assert.Equal("completed", run.GetProperty("status").GetString());
            var completed = run.GetProperty("completed").GetInt64();
            await Task.Delay(TimeSpan.FromSeconds(3), Ct);
            var to = DateTimeOffset.UtcNow.ToString("O");
            var range = $"service={id}&from={Uri.EscapeDataString(start.ToString("O"))}&to={Uri.EscapeDataString(to)}";

            // Raw gauges keep the replicas apart.
            var running = await GetAsync(host.Client, $"/api/v1/metrics/series?{range}&name=vllm:num_requests_running");
            Assert.Equal(["0", "1"], running.EnumerateArray().Select(s => Label(s, "replica")).Order());
            Assert.All(running.EnumerateArray(), s => Assert.Equal("service", Label(s, "job")));

            // The rate of generated tokens, summed over replicas, integrates to what the load generator received.
            var tokens = await GetAsync(host.Client,
                $"/api/v1/metrics/series?{range}&name=vllm:generation_tokens_total&fn=rate&sum=true&step=1s&window=3s");
            var points = Assert.Single(tokens.EnumerateArray()).GetProperty("points").EnumerateArray().Select(p
                => p.GetProperty("v").GetDouble()).ToList();
            Assert.True(points.Max() > 100, $"peak token rate {points.Max()}");
            var counters = await GetAsync(host.Client, $"/api/v1/metrics/series?{range}&name=vllm:generation_tokens_total");
            var generated = counters.EnumerateArray().Sum(s => s.GetProperty("points").EnumerateArray().Last().GetProperty("v").GetDouble());
            // The client's warm-up before the clock (uncounted, max_tokens 2 with ignore_eos) reached the server too.
            var warmup = (await GetAsync(host.Client, $"/api/v1/benchmarks/{benchmark}")).GetProperty("summary").GetProperty("clientWarmup");
            var warmupAnswered = warmup.GetProperty("requests").GetInt64() - warmup.GetProperty("failed").GetInt64();
            Assert.Equal(completed * 32 + warmupAnswered * 2, generated);

            // histogram_quantile over the buckets of both replicas gives a plausible median end-to-end latency.
            var e2e = await GetAsync(host.Client,
                $"/api/v1/metrics/series?{range}&name=vllm:e2e_request_latency_seconds&fn=quantile&q=0.5&step=1s&window=10s");
            var median = Assert.Single(e2e.EnumerateArray()).GetProperty("points").EnumerateArray().Select(p => p.GetProperty("v").GetDouble()).Max();
            var measured = (await GetAsync(host.Client,
                $"/api/v1/benchmarks/{benchmark}")).GetProperty("summary").GetProperty("overall").GetProperty("e2eMs").GetProperty("p50").GetDouble()
                    / 1000;
            Assert.InRange(median, measured / 3, measured * 3);

            // The node exporter sidecars are scraped too, and their CPU counters move.
            if (SidecarScriptTests.NoNodeExporter is null)
            {
                var cpu = await GetAsync(host.Client, $"/api/v1/metrics/series?{range}&name=node_cpu_seconds_total");
                var busiest = cpu.EnumerateArray().Select(s
                    => s.GetProperty("points").EnumerateArray().Select(p => p.GetProperty("v").GetDouble()).ToList())
                    .Max(v => v[^1] - v[0]);
                Assert.True(busiest > 0, "no CPU counter of the node exporters moved");
                Assert.Contains(cpu.EnumerateArray(), s => Label(s, "job") == "node");
            }

            // The host's own benchmark metrics are stored as the aibench target.
            var host1 = await GetAsync(host.Client, "/api/v1/metrics/series?name=aibench_benchmark_requests_total");
            Assert.Contains(host1.EnumerateArray(), s => Label(s, "benchmark") == benchmark.ToString() && Label(s, "outcome") == "ok"
                && s.GetProperty("points").EnumerateArray().Last().GetProperty("v").GetDouble() == completed);

            // And a site Prometheus is told where all of it is.
            var targets = await GetAsync(host.Client, "/api/v1/metrics/targets");
            var mine = targets.EnumerateArray().Where(g => g.GetProperty("labels").GetProperty("service_id").GetString() == id.ToString()).ToList();
            Assert.Contains(mine, g => g.GetProperty("labels").GetProperty("job").GetString() == "aibench-service"
                && g.GetProperty("labels").GetProperty("__metrics_path__").GetString() == "/metrics"
                && g.GetProperty("labels").GetProperty("recipe").GetString() == "vllm-sim"
                && g.GetProperty("labels").GetProperty("slurm_job_id").GetString() == ready.GetProperty("jobId").GetString());
        }
        finally
        {
            await host.Client.DeleteAsync($"/api/v1/services/{id}", Ct);
        }
    }

    private static string? Label(JsonElement series, string name)
    {
        var labels = series.GetProperty("labels").GetString()!;
        var match = System.Text.RegularExpressions.Regex.Match(labels, $@"[{{,]{name}=""(?<v>[^""]*)""");
        return match.Success ? match.Groups["v"].Value : null;
    }

    [Fact]
    public async Task A_site_prometheus_finds_and_scrapes_a_running_service_through_http_service_discovery()
    {
        var prometheusBinary = "/usr/bin/prometheus";
        Assert.SkipWhen(!File.Exists(prometheusBinary) && Environment.GetEnvironmentVariable("AIBENCHTEST_REQUIRE_SLURM") is null,
            "Debian's prometheus is not installed (scripts/test.sh installs it)");
        var root = Directory.CreateTempSubdirectory("aibench-test-prom-").FullName;
        var home = Path.Combine(root, "home");
        await using var aibench = AibenchProcess.Start(home, "--urls", "http://127.0.0.1:0", "--set", "Scheduler:Kind=local");
        var url = await aibench.ReadyAsync(TimeSpan.FromSeconds(60));
        using var client = new HttpClient { BaseAddress = url };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", aibench.Token);

        var deployed = await client.PostAsJsonAsync("/api/v1/services", new { recipe = "vllm-sim", nodes = 2 }, Ct);
        var id = (await deployed.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        Process? prometheus = null;
        try
        {
            await EventuallyAsync(async () =>
            {
                var s = await GetAsync(client, $"/api/v1/services/{id}");
                Assert.NotEqual("failed", s.GetProperty("status").GetString());
                return s.GetProperty("status").GetString() == "ready" ? s : null;
            }, "the simulator service to be ready", TimeSpan.FromSeconds(90));

            var tokenFile = Path.Combine(root, "token");
            await File.WriteAllTextAsync(tokenFile, aibench.Token, Ct);
            var port = AibenchProcess.FreePort();
            var config = Path.Combine(root, "prometheus.yml");
            await File.WriteAllTextAsync(config, $"""
                global:
                  scrape_interval: 1s
                scrape_configs:
                  - job_name: aibench
                    http_sd_configs:
                      - url: {url}api/v1/metrics/targets
                        refresh_interval: 1s
                        authorization:
                          type: Bearer
                          credentials_file: {tokenFile}
                """, Ct);
            prometheus = Process.Start(new ProcessStartInfo(prometheusBinary)
            {
                ArgumentList = { $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(root, "tsdb")}",
                    $"--web.listen-address=127.0.0.1:{port}" },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            prometheus.BeginOutputReadLine();
            prometheus.BeginErrorReadLine();

            using var prom = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var query = Uri.EscapeDataString($"vllm:num_requests_running{{service_id=\"{id}\"}}");
            var result = await EventuallyAsync(async () =>
            {
                try
                {
                    var answer = await prom.GetFromJsonAsync<JsonElement>($"/api/v1/query?query={query}", Ct);
                    var data = answer.GetProperty("data").GetProperty("result");
                    return data.GetArrayLength() == 2 ? (JsonElement?)data : null;
                }
                catch (HttpRequestException)
                {
                    return null;
                }
            }, "Prometheus to scrape both replicas", TimeSpan.FromSeconds(90));

            var replicas = result.EnumerateArray().Select(r => r.GetProperty("metric")).ToList();
            Assert.Equal(["0", "1"], replicas.Select(m => m.GetProperty("replica").GetString()).Order());
            Assert.All(replicas, m =>
            {
                Assert.Equal("vllm-sim", m.GetProperty("recipe").GetString());
                Assert.Equal("aibench-service", m.GetProperty("job").GetString());
                Assert.StartsWith("local-", m.GetProperty("slurm_job_id").GetString());
            });
        }
        finally
        {
            if (prometheus is { HasExited: false })
            {
                prometheus.Kill(entireProcessTree: true);
                await prometheus.WaitForExitAsync(Ct);
            }

            prometheus?.Dispose();
            await client.DeleteAsync($"/api/v1/services/{id}", Ct);
        }
    }
}
