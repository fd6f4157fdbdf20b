using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aibench.Tests.Infrastructure;
using Aibench.Tests.Server;
using static Aibench.Tests.Experiments.ExperimentDriver;

namespace Aibench.Tests.Experiments;

/// <summary>One host with the local scheduler per test class, on SQLite or on a fresh PostgreSQL database.</summary>
public abstract class ExperimentHostFixture : IAsyncLifetime
{
    private ServerHost? _host;
    private string? _database;

    protected abstract bool UsesPostgres { get; }

    public string? SkipReason { get; private set; }

    public ServerHost Host => _host ?? throw new InvalidOperationException("The host did not start.");

    public async ValueTask InitializeAsync()
    {
        if (UsesPostgres)
        {
            SkipReason = PostgresServer.Unavailable();
            if (SkipReason is not null) return;
            _database = await PostgresServer.CreateDatabaseAsync();
        }

        _host = Start("local", postgres: _database);
        _ = _host.Factory.Server;
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
        if (_database is not null) await PostgresServer.DropDatabaseAsync(_database);
        GC.SuppressFinalize(this);
    }
}

public sealed class SqliteExperimentHost : ExperimentHostFixture
{
    protected override bool UsesPostgres => false;
}

public sealed class PostgresExperimentHost : ExperimentHostFixture
{
    protected override bool UsesPostgres => true;
}

/// <summary>The experiments API: validation, preview, lookups and a short run, on SQLite and on PostgreSQL.</summary>
public abstract class ExperimentApiTests(ExperimentHostFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ServerHost Host
    {
        get
        {
            Assert.SkipWhen(fixture.SkipReason is not null, fixture.SkipReason ?? "");
            return fixture.Host;
        }
    }

    public static TheoryData<string, string> BadRequests => new()
    {
        { """{"testType": "throughput", "duration": "10s"}""", "recipe" },
        { """{"recipe": "no-such-recipe", "testType": "throughput", "duration": "10s"}""", "recipe" },
        { """{"recipe": "vllm-sim", "nodes": 0, "testType": "throughput"}""", "nodes" },
        { """{"recipe": "vllm-sim", "nodes": 100000, "testType": "throughput"}""", "nodes" },
        { """{"recipe": "vllm-sim", "testType": "marathon"}""", "testType" },
        { """{"recipe": "vllm-sim"}""", "testType" },
        { """{"recipe": "vllm-sim", "testType": "latency", "duration": "soon"}""", "duration" },
        { """{"recipe": "vllm-sim", "testType": "latency", "warmup": "-1s"}""", "warmup" },
        { """{"recipe": "vllm-sim", "testType": "latency", "parameters": {"no_such": 1}}""", "parameters.no_such" },
        { """{"recipe": "vllm-sim", "testType": "latency", "parameters": {"max_num_seqs": 0}}""", "parameters.max_num_seqs" },
        { """{"recipe": "vllm-sim", "testType": "latency", "load": {"rate": -1}}""", "load.rate" },
        { """{"recipe": "vllm-sim", "testType": "throughput", "load": {"rate": 5}}""", "load.rate" },
        { """{"recipe": "vllm-sim", "testType": "stress", "load": {"from": 10, "to": 5}}""", "load.to" },
        { """{"recipe": "vllm-sim", "testType": "sweep", "load": {"rates": [1], "concurrencies": [2]}}""", "load.rates" },
        { """{"recipe": "vllm-sim", "testType": "latency", "load": {"dataset": "nonsense:x"}}""", "load.dataset" },
        { """{"recipe": "vllm-sim", "testType": "latency", "slo": {"ttft": "fast"}}""", "slo.ttft" },
        { """{"recipe": "vllm-sim", "testType": "latency", "slo": {"target": 2}}""", "slo.target" },
        { """{"recipe": "vllm-sim", "testType": "throughput", "load": {"placement": {"kind": "cloud"}}}""", "load.placement.kind" },
        { """{"recipe": "vllm-sim", "testType": "throughput", "load": {"placement": {"kind": "slurm", "nodes": 0}}}""", "load.placement.nodes" },
        // Within the load generator's own limit but over the site's node limit, which the worker job would meet only after the deploy.
        { """{"recipe": "vllm-sim", "testType": "throughput", "load": {"concurrency": 1000, "placement": {"kind": "slurm", "nodes": 100}}}""",
            "load.placement.nodes" },
        { """{"recipe": "vllm-sim", "testType": "throughput", "load": {"placement": {"kind": "slurm", "partition": "a;b"}}}""",
            "load.placement.partition" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_input_is_a_400_naming_the_field_and_writes_nothing(string body, string field)
    {
        var client = Host.Client;
        var services = (await client.GetFromJsonAsync<JsonElement>("/api/v1/services", Ct)).GetArrayLength();
        var experiments = (await client.GetFromJsonAsync<JsonElement>("/api/v1/experiments?limit=1000", Ct)).GetArrayLength();

        foreach (var path in new[] { "/api/v1/experiments", "/api/v1/experiments/preview" })
        {
            using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
            var problem = await Problem.ReadAsync(await client.PostAsync(path, content, Ct), HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{path}: no error for '{field}' in {problem}");
        }

        Assert.Equal(services, (await client.GetFromJsonAsync<JsonElement>("/api/v1/services", Ct)).GetArrayLength());
        Assert.Equal(experiments, (await client.GetFromJsonAsync<JsonElement>("/api/v1/experiments?limit=1000", Ct)).GetArrayLength());
    }

    [Fact]
    public async Task The_preview_shows_resources_time_limit_and_the_load_spec_with_presets_and_starts_nothing()
    {
        var client = Host.Client;
        var before = (await client.GetFromJsonAsync<JsonElement>("/api/v1/experiments?limit=1000", Ct)).GetArrayLength();
        var response = await client.PostAsJsonAsync("/api/v1/experiments/preview",
            new { recipe = "vllm-sim", nodes = 2, testType = "throughput", duration = "10m", parameters = new { max_num_seqs = 64 } }, Ct);
        var preview = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, preview.ToString());

        var deployment = preview.GetProperty("deployment");
        Assert.Equal((2, 2, 2), (deployment.GetProperty("nodes").GetInt32(), deployment.GetProperty("tasks").GetInt32(),
            deployment.GetProperty("replicas").GetInt32()));
        Assert.Equal("64", deployment.GetProperty("parameters").GetProperty("max_num_seqs").GetString());
        // Readiness (2m) + warm-up (1s) + load (10m) + drain (5m) + collect (1s) + margin (5m), instead of the recipe's 2 h.
        Assert.Equal(23, deployment.GetProperty("timeLimitMinutes").GetInt32());
        Assert.Equal(120, deployment.GetProperty("recipeTimeLimitMinutes").GetInt32());
        var load = preview.GetProperty("load");
        Assert.Equal("concurrency", load.GetProperty("load").GetProperty("kind").GetString());
        Assert.Equal(128, load.GetProperty("load").GetProperty("concurrency").GetInt32());
        Assert.Equal("600s", load.GetProperty("duration").GetString());
        Assert.Equal(1, preview.GetProperty("plan").GetProperty("steps").GetInt32());

        var sweep = await (await client.PostAsJsonAsync("/api/v1/experiments/preview",
            new { recipe = "vllm-sim", testType = "sweep", duration = "4m", load = new { rates = new[] { 1, 2, 4, 8 } } },
                Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(4, sweep.GetProperty("plan").GetProperty("steps").GetInt32());
        Assert.Equal("60s", sweep.GetProperty("load").GetProperty("duration").GetString());

        Assert.Equal(before, (await client.GetFromJsonAsync<JsonElement>("/api/v1/experiments?limit=1000", Ct)).GetArrayLength());
    }

    [Fact]
    public async Task Unknown_experiments_are_404_and_bad_filters_are_400()
    {
        var client = Host.Client;
        var id = Guid.NewGuid();
        await Problem.ReadAsync(await client.GetAsync($"/api/v1/experiments/{id}", Ct), HttpStatusCode.NotFound);
        await Problem.ReadAsync(await client.DeleteAsync($"/api/v1/experiments/{id}", Ct), HttpStatusCode.NotFound);
        var problem = await Problem.ReadAsync(await client.GetAsync("/api/v1/experiments?status=sleeping", Ct), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("status", out _), problem.ToString());
    }

    [Fact]
    public async Task A_latency_experiment_runs_to_the_end_with_an_slo_verdict_and_links()
    {
        var client = Host.Client;
        var id = await CreateAsync(client, SimExperiment("latency", 1, "3s", warmup: "0s",
            load: new { rate = 4, dataset = "random:input=32,output=8" }, slo: new { ttft = "5s", target = 0.5 }));

        var running = await GetAsync(client, id);
        Assert.Equal("running", Status(running));
        Assert.Equal($"/api/v1/logs?experiment={id}", running.GetProperty("links").GetProperty("logs").GetString());
        var done = await WaitEndAsync(client, id, TimeSpan.FromSeconds(120));

        Assert.True(Status(done) == "completed", done.ToString());
        Assert.True(done.GetProperty("result").GetProperty("slo").GetProperty("passed").GetBoolean(), done.GetProperty("result").ToString());
        Assert.Equal("rate", done.GetProperty("definition").GetProperty("load").GetProperty("load").GetProperty("kind").GetString());
        var links = done.GetProperty("links");
        Assert.Equal($"/api/v1/services/{done.GetProperty("experiment").GetProperty("serviceId").GetGuid()}",
            links.GetProperty("service").GetString());
        Assert.EndsWith("/export", links.GetProperty("export").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(links.GetProperty("export").GetString(), Ct)).StatusCode);

        var list = await client.GetFromJsonAsync<JsonElement>("/api/v1/experiments?recipe=vllm-sim&testType=latency&status=completed", Ct);
        Assert.Contains(list.EnumerateArray(), e => e.GetProperty("id").GetGuid() == id && e.GetProperty("sloPassed").GetBoolean());
        var createdAt = done.GetProperty("experiment").GetProperty("createdAt").GetString()!;
        var older = await client.GetFromJsonAsync<JsonElement>($"/api/v1/experiments?before={Uri.EscapeDataString(createdAt)}", Ct);
        Assert.DoesNotContain(older.EnumerateArray(), e => e.GetProperty("id").GetGuid() == id);

        // The default name carries the start time (two runs of one setup differ); a finished experiment can be renamed.
        var name = done.GetProperty("experiment").GetProperty("name").GetString()!;
        Assert.Matches(@"^latency · vllm-sim · 1 node · \d\d-\d\d \d\d:\d\d$", name);
        var renamed = await client.PatchAsJsonAsync($"/api/v1/experiments/{id}", new { name = "  baseline, before the upgrade " }, Ct);
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal("baseline, before the upgrade", (await GetAsync(client, id)).GetProperty("experiment").GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"name\": \"  \"}")]
    [InlineData("{\"name\": \"tab\\there\"}")]
    public async Task A_rename_to_nothing_or_control_characters_is_a_400_naming_the_field_and_changes_nothing(string body)
    {
        var client = Host.Client;
        var id = await CreateAsync(client, SimExperiment("latency", 1, "1s", warmup: "0s", load: new { rate = 1 }));
        var before = (await GetAsync(client, id)).GetProperty("experiment").GetProperty("name").GetString();

        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        var problem = await Problem.ReadAsync(await client.PatchAsync($"/api/v1/experiments/{id}", content, Ct), HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty("name", out _), problem.ToString());
        Assert.Equal(before, (await GetAsync(client, id)).GetProperty("experiment").GetProperty("name").GetString());
        await Problem.ReadAsync(await client.PatchAsJsonAsync($"/api/v1/experiments/{Guid.NewGuid()}", new { name = "x" }, Ct),
            HttpStatusCode.NotFound);
        await WaitEndAsync(client, id, TimeSpan.FromSeconds(120));
    }
}

[Collection(nameof(HostCollection))]
public sealed class SqliteExperimentApiTests(SqliteExperimentHost host) : ExperimentApiTests(host), IClassFixture<SqliteExperimentHost>;

[Collection(nameof(HostCollection))]
public sealed class PostgresExperimentApiTests(PostgresExperimentHost host) : ExperimentApiTests(host), IClassFixture<PostgresExperimentHost>;
