using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Aibench.Client.Jobs;
using Aibench.Client.Persistence;
using Aibench.Contracts.Client;
using Aibench.Contracts.Server;
using Aibench.Server.Persistence;
using Aibench.Simulator;
using Aibench.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Aibench.Tests.Client;

/// <summary>Runs started, watched, cancelled and exported through the REST API, on SQLite and on PostgreSQL.</summary>
public abstract class BenchmarkApiTests(HostFixture host)
{
    private AibenchFactory Factory
    {
        get
        {
            Assert.SkipWhen(host.SkipReason is not null, host.SkipReason ?? "");
            return host.Factory;
        }
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<Sim> FastSim() => Sim.StartAsync(new SimOptions { Ttft = TimeSpan.FromMilliseconds(2), Itl = TimeSpan.FromMilliseconds(1) });

    internal static async Task<JsonElement> WaitAsync(HttpClient client, Guid id, params string[] statuses)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        JsonElement detail;
        do
        {
            detail = await client.GetFromJsonAsync<JsonElement>($"/api/v1/benchmarks/{id}", Ct);
            if (statuses.Contains(detail.GetProperty("run").GetProperty("status").GetString())) return detail;
            await Task.Delay(100, Ct);
        }
        while (DateTime.UtcNow < until);

        Assert.Fail($"benchmark {id} never reached {string.Join("/", statuses)}: {detail}");
        return detail;
    }

    internal static async Task<Guid> StartAsync(HttpClient client, object spec)
    {
        var response = await client.PostAsJsonAsync("/api/v1/benchmarks", spec, Ct);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"start answered {(int)response.StatusCode}: {body}");
        var id = body.GetProperty("id").GetGuid();
        Assert.Equal($"/api/v1/benchmarks/{id}", response.Headers.Location?.ToString());
        Assert.Equal("pending", body.GetProperty("status").GetString());
        return id;
    }

    [Fact]
    public async Task A_run_completes_and_is_exported_as_json_csv_and_jsonl()
    {
        await using var sim = await FastSim();
        var client = Factory.Authorized();
        var id = await StartAsync(client, new
        {
            name = "api run",
            urls = new[] { sim.Url.ToString() },
            load = new { kind = "concurrency", concurrency = 2 },
            maxRequests = 12,
            dataset = "random:input=32,output=6",
            slo = new { ttft = "1s" },
        });

        var detail = await WaitAsync(client, id, "completed", "failed");
        var run = detail.GetProperty("run");
        Assert.Equal("completed", run.GetProperty("status").GetString());
        Assert.Equal("sim-model", run.GetProperty("model").GetString());
        Assert.Equal(12, run.GetProperty("completed").GetInt64());
        Assert.True(run.GetProperty("ttftP50Ms").GetDouble() >= 2);
        var overall = detail.GetProperty("summary").GetProperty("overall");
        Assert.Equal(12, overall.GetProperty("completed").GetInt64());
        Assert.Equal(1.0, overall.GetProperty("goodputFraction").GetDouble());
        Assert.Equal(72, overall.GetProperty("tokens").GetProperty("output").GetInt64());
        Assert.Contains("(E2E − TTFT) / (output tokens − 1)",
            detail.GetProperty("summary").GetProperty("definitions").GetProperty("tpotMs").GetString());

        var listed = await client.GetFromJsonAsync<JsonElement>("/api/v1/benchmarks", Ct);
        Assert.Contains(listed.EnumerateArray(), r => r.GetProperty("id").GetGuid() == id && r.GetProperty("requestThroughput").GetDouble() > 0);

        var series = await client.GetFromJsonAsync<JsonElement>($"/api/v1/benchmarks/{id}/series", Ct);
        Assert.Equal(12, series.EnumerateArray().Sum(p => p.GetProperty("completed").GetInt64()));
        Assert.Equal(72, series.EnumerateArray().Sum(p => p.GetProperty("outputTokens").GetInt64()));

        var json = await client.GetAsync($"/api/v1/benchmarks/{id}/export?format=json", Ct);
        Assert.Equal("application/json", json.Content.Headers.ContentType?.MediaType);
        Assert.Contains($"benchmark-{id}.json", json.Content.Headers.ContentDisposition?.ToString());
        var document = JsonDocument.Parse(await json.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(12, document.GetProperty("vllm").GetProperty("completed").GetInt64());
        Assert.Equal(12, document.GetProperty("vllm").GetProperty("input_lens").GetArrayLength());
        Assert.True(document.GetProperty("vllm").GetProperty("p99_ttft_ms").GetDouble() > 0);
        Assert.Equal("api run", document.GetProperty("name").GetString());
        // Stored with the summary, shown beside it: the same requests under vLLM bench's and GuideLLM's definitions.
        var peers = document.GetProperty("asDefinedBy");
        Assert.Equal(12, peers.GetProperty("vllm").GetProperty("steps")[0].GetProperty("completed").GetInt32());
        Assert.Equal(12, peers.GetProperty("guidellm").GetProperty("benchmarks")[0].GetProperty("request_totals").GetProperty("successful")
            .GetInt32());
        Assert.False(document.GetProperty("summary").TryGetProperty("asDefinedBy", out _));

        var csv = (await client.GetStringAsync($"/api/v1/benchmarks/{id}/export?format=csv", Ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(13, csv.Length);
        Assert.StartsWith("index,step,endpoint", csv[0]);
        var jsonl = (await client.GetStringAsync($"/api/v1/benchmarks/{id}/export?format=jsonl", Ct)).Split('\n',
            StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(12, jsonl.Length);
        Assert.All(jsonl, line => Assert.Equal(6, JsonDocument.Parse(line).RootElement.GetProperty("server_output_tokens").GetInt32()));
        Assert.All(jsonl, line => Assert.True(JsonDocument.Parse(line).RootElement.GetProperty("last_token_us").GetInt64() > 0));
    }

    [Fact]
    public async Task Cancelling_a_running_run_keeps_its_results_marked_partial()
    {
        await using var sim = await FastSim();
        var client = Factory.Authorized();
        var id = await StartAsync(client, new
        {
            urls = new[] { sim.Url.ToString() },
            load = new { kind = "rate", rate = 20, arrival = "constant" },
            duration = "5m",
            dataset = "random:input=8,output=4",
        });

        var until = DateTime.UtcNow.AddSeconds(30);
        JsonElement detail;
        do
        {
            await Task.Delay(200, Ct);
            detail = await client.GetFromJsonAsync<JsonElement>($"/api/v1/benchmarks/{id}", Ct);
        }
        while (!(detail.TryGetProperty("progress", out var p) && p.ValueKind == JsonValueKind.Object && p.GetProperty("completed").GetInt64() >= 10)
               && DateTime.UtcNow < until);

        var cancel = await client.PostAsync($"/api/v1/benchmarks/{id}/cancel", null, Ct);
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        detail = await WaitAsync(client, id, "partial", "completed", "failed");
        Assert.Equal("partial", detail.GetProperty("run").GetProperty("status").GetString());
        Assert.True(detail.GetProperty("summary").GetProperty("overall").GetProperty("completed").GetInt64() >= 10);
        Assert.Equal("cancelled", detail.GetProperty("summary").GetProperty("stopReason").GetString());

        var again = await client.PostAsync($"/api/v1/benchmarks/{id}/cancel", null, Ct);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal("partial", (await again.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("""{"urls":["http://127.0.0.1:1"],"load":{"kind":"rate","rate":0},"duration":"10s"}""", "load.rate")]
    [InlineData("""{"urls":["http://127.0.0.1:1"],"load":{"kind":"rate","rate":-3},"duration":"10s"}""", "load.rate")]
    [InlineData("""{"urls":["not a url"],"maxRequests":5}""", "urls[0]")]
    [InlineData("""{"urls":["http://127.0.0.1:1","file:///etc/passwd"],"maxRequests":5}""", "urls[1]")]
    [InlineData("""{"maxRequests":5}""", "urls")]
    [InlineData("""{"urls":["http://127.0.0.1:1"]}""", "duration")]
    [InlineData("""{"urls":["http://127.0.0.1:1"],"maxRequests":5,"dataset":"random:input=0,output=5"}""", "dataset")]
    [InlineData("""{"urls":["http://127.0.0.1:1"],"maxRequests":5,"load":{"kind":"zigzag"}}""", "load.kind")]
    [InlineData("""{"urls":["http://127.0.0.1:1"],"maxRequests":5,"load":{"kind":"concurrency","concurrency":2,"rate":5}}""", "load.rate")]
    [InlineData("""{"urls":["http://127.0.0.1:1"],"maxRequests":5,"slo":{"ttft":"soon"}}""", "slo.ttft")]
    [InlineData("""{"urls":["http://127.0.0.1:1"],"duration":"10s","warmup":"20s"}""", "warmup")]
    [InlineData("""{"urls":["http://127.0.0.1:1"],"maxRequests":5,"api":"embeddings"}""", "api")]
    [InlineData("""{"urls":["http://127.0.0.1:1"],"duration":"10s","keepTexts":true}""", "keepTexts")]
    public async Task Bad_specs_are_a_400_naming_the_field_and_nothing_is_stored(string body, string field)
    {
        var client = Factory.Authorized();
        var before = (await client.GetFromJsonAsync<JsonElement>("/api/v1/benchmarks?limit=1000", Ct)).GetArrayLength();

        var response = await client.PostAsync("/api/v1/benchmarks", new StringContent(body, Encoding.UTF8, "application/json"), Ct);

        var problem = await Problem.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.NotEmpty(Problem.FieldErrors(problem, field));
        Assert.Equal(before, (await client.GetFromJsonAsync<JsonElement>("/api/v1/benchmarks?limit=1000", Ct)).GetArrayLength());
    }

    [Theory]
    [InlineData("tokenizer-missing", "tokenizer", "no such file")]
    [InlineData("tokenizer-broken", "tokenizer", "not JSON")]
    [InlineData("model", "model", "does not serve 'other-model'")]
    [InlineData("too-long", "dataset", "max_model_len of 2,048")]
    public async Task Target_problems_are_a_400_naming_the_field_and_nothing_is_sent_or_stored(string kind, string field, string message)
    {
        await using var sim = await Sim.StartAsync(new SimOptions { Ttft = TimeSpan.FromMilliseconds(2), Itl = TimeSpan.FromMilliseconds(1),
            MaxModelLen = 2048 });
        var client = Factory.Authorized();
        var before = (await client.GetFromJsonAsync<JsonElement>("/api/v1/benchmarks?limit=1000", Ct)).GetArrayLength();
        var broken = Path.Combine(Directory.CreateTempSubdirectory("aibench-test-tok-").FullName, "tokenizer.json");
        await File.WriteAllTextAsync(broken, "{ not json", Ct);

        var response = await client.PostAsJsonAsync("/api/v1/benchmarks", new
        {
            urls = new[] { sim.Url.ToString() },
            maxRequests = 5,
            model = kind == "model" ? "other-model" : "sim-model",
            dataset = kind == "too-long" ? "random:input=2000,output=100" : "random:input=32,output=4",
            tokenizer = kind switch { "tokenizer-missing" => "/nonexistent/tokenizer.json", "tokenizer-broken" => broken, _ => null },
        }, Ct);

        var problem = await Problem.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains(Problem.FieldErrors(problem, field), e => e.Contains(message, StringComparison.Ordinal));
        Assert.Equal(before, (await client.GetFromJsonAsync<JsonElement>("/api/v1/benchmarks?limit=1000", Ct)).GetArrayLength());
        var metrics = await sim.MetricsAsync();
        Assert.All(metrics.Split('\n').Where(l => l.StartsWith("vllm:request_success_total{", StringComparison.Ordinal)), l
            => Assert.EndsWith(" 0", l));
    }

    [Fact]
    public async Task A_run_records_the_servers_tokenizer_in_its_summary_and_export_header()
    {
        await using var sim = await FastSim();
        var client = Factory.Authorized();
        var id = await StartAsync(client, new { urls = new[] { sim.Url.ToString() }, maxRequests = 4, dataset = "random:input=40,output=4" });
        await WaitAsync(client, id, "completed");

        var export = await client.GetFromJsonAsync<JsonElement>($"/api/v1/benchmarks/{id}/export?format=json", Ct);
        Assert.Equal("server:/tokenize", export.GetProperty("tokenizer").GetString());
        Assert.Equal("server:/tokenize", export.GetProperty("summary").GetProperty("tokenCounter").GetString());
        Assert.Equal("server:/tokenize", export.GetProperty("vllm").GetProperty("tokenizer_id").GetString());
        var csv = await client.GetStringAsync($"/api/v1/benchmarks/{id}/export?format=csv", Ct);
        Assert.EndsWith(",tokenizer", csv.Split('\n')[0].TrimEnd('\r'), StringComparison.Ordinal);
        Assert.EndsWith(",server:/tokenize", csv.Split('\n')[1].TrimEnd('\r'), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_left_pending_by_a_stopped_host_is_started_by_the_next_one_exactly_once()
    {
        // The campaign drill failed on this: a host killed between storing a run and starting it took the run's job with it
        // (the embedded Hangfire store lives in memory), and the run stayed pending while its experiment waited 7 minutes.
        await using var sim = await FastSim();
        var id = Guid.CreateVersion7();
        var spec = new BenchmarkSpec(Urls: [sim.Url.ToString()], Load: new LoadShape(Concurrency: 2), MaxRequests: 9,
            Dataset: "random:input=16,output=4", ClientWarmup: false);
        var stored = DateTimeOffset.UtcNow - TimeSpan.FromMinutes(5);
        var dbFactory = Factory.Services.GetRequiredService<IDbContextFactory<ClientDbContext>>();
        await using (var db = await dbFactory.CreateDbContextAsync(Ct))
        {
            db.Benchmarks.Add(new BenchmarkRun
            {
                Id = id, Name = "left pending", Status = BenchmarkStatus.Pending, Target = sim.Url.ToString(), CreatedAt = stored,
                Spec = JsonSerializer.Serialize(spec, Aibench.Client.LoadGen.Json.Options),
            });
            await db.SaveChangesAsync(Ct);
        }

        // What a host that starts after it does, here twice (a retried pass): the run starts once.
        var recovery = ActivatorUtilities.CreateInstance<RecoverInterruptedRuns>(Factory.Services);
        Assert.Equal(0, await recovery.RecoverAsync(Ct));
        Assert.Equal(0, await recovery.RecoverAsync(Ct));

        var detail = await WaitAsync(Factory.Authorized(), id, "completed", "failed");
        Assert.True(detail.GetProperty("run").GetProperty("status").GetString() == "completed", detail.ToString());
        Assert.Equal(9, detail.GetProperty("run").GetProperty("completed").GetInt64());
        // Run once: the simulator served exactly the nine requests of one plan.
        var served = (await sim.MetricsAsync()).Split('\n').Where(l => l.StartsWith("vllm:request_success_total{", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(9, served);
    }

    [Fact]
    public async Task Malformed_json_is_a_400()
    {
        var response = await Factory.Authorized().PostAsync("/api/v1/benchmarks",
            new StringContent("""{"urls": [""", Encoding.UTF8, "application/json"), Ct);
        await Problem.ReadAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task An_unknown_service_is_a_404_and_one_that_is_not_ready_a_409()
    {
        var client = Factory.Authorized();
        var unknown = await client.PostAsJsonAsync("/api/v1/benchmarks", new { service = Guid.NewGuid(), maxRequests = 5 }, Ct);
        await Problem.ReadAsync(unknown, HttpStatusCode.NotFound);

        var queued = Guid.NewGuid();
        await using (var db = await Factory.Services.GetRequiredService<IDbContextFactory<ServerDbContext>>().CreateDbContextAsync(Ct))
        {
            var now = DateTimeOffset.UtcNow;
            db.Services.Add(new ServiceRecord { Id = queued, Recipe = "vllm-sim", Status = ServiceStatus.Queued, Nodes = 1, CreatedAt = now,
                UpdatedAt = now });
            await db.SaveChangesAsync(Ct);
        }

        var notReady = await client.PostAsJsonAsync("/api/v1/benchmarks", new { service = queued, maxRequests = 5 }, Ct);
        var problem = await Problem.ReadAsync(notReady, HttpStatusCode.Conflict);
        Assert.Contains("queued", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Unknown_runs_are_a_404_and_an_unknown_export_format_a_400()
    {
        var client = Factory.Authorized();
        var id = Guid.NewGuid();
        await Problem.ReadAsync(await client.GetAsync($"/api/v1/benchmarks/{id}", Ct), HttpStatusCode.NotFound);
        await Problem.ReadAsync(await client.PostAsync($"/api/v1/benchmarks/{id}/cancel", null, Ct), HttpStatusCode.NotFound);
        await Problem.ReadAsync(await client.GetAsync($"/api/v1/benchmarks/{id}/export", Ct), HttpStatusCode.NotFound);
        await Problem.ReadAsync(await client.GetAsync($"/api/v1/benchmarks/{id}/series", Ct), HttpStatusCode.NotFound);
        var format = await Problem.ReadAsync(await client.GetAsync($"/api/v1/benchmarks/{id}/export?format=xlsx", Ct), HttpStatusCode.BadRequest);
        Assert.NotEmpty(Problem.FieldErrors(format, "format"));
    }

    [Fact]
    public async Task A_dataset_file_that_cannot_be_read_fails_the_run_with_the_reason()
    {
        await using var sim = await FastSim();
        var client = Factory.Authorized();
        var id = await StartAsync(client, new { urls = new[] { sim.Url.ToString() }, maxRequests = 5, dataset = "jsonl:/nonexistent/prompts.jsonl" });

        var detail = await WaitAsync(client, id, "failed", "completed");
        Assert.Equal("failed", detail.GetProperty("run").GetProperty("status").GetString());
        Assert.Contains("/nonexistent/prompts.jsonl", detail.GetProperty("run").GetProperty("error").GetString());
    }
}

[Collection(nameof(HostCollection))]
public sealed class SqliteBenchmarkApiTests(SqliteHost host) : BenchmarkApiTests(host), IClassFixture<SqliteHost>;

[Collection(nameof(HostCollection))]
public sealed class PostgresBenchmarkApiTests(PostgresHost host) : BenchmarkApiTests(host), IClassFixture<PostgresHost>;
