using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aibench.Client.Persistence;
using Aibench.Contracts.Server;
using Aibench.Experiments.Persistence;
using Aibench.Logs.Persistence;
using Aibench.Monitor.Persistence;
using Aibench.Server.Persistence;
using Aibench.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Aibench.Tests.Host;

/// <summary>The HTTP contract every module shares, run once on SQLite and once on PostgreSQL.</summary>
public abstract class ApiContractTests(HostFixture host)
{
    private static readonly string[] ModuleDocuments = ["server", "client", "monitor", "logs", "experiments", "notifications"];

    private AibenchFactory Factory
    {
        get
        {
            Assert.SkipWhen(host.SkipReason is not null, host.SkipReason ?? "");
            return host.Factory;
        }
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Health_answers_without_a_token()
    {
        var response = await Factory.Anonymous().GetAsync("/health", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("healthy", (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Ready_reports_database_migrations_and_hangfire()
    {
        var client = Factory.Anonymous();
        JsonElement body = default;
        // The Hangfire server's first heartbeat comes a moment after start-up.
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var response = await client.GetAsync("/ready", Ct);
            body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                break;
            }

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            await Task.Delay(200, Ct);
        }

        Assert.Equal("ready", body.GetProperty("status").GetString());
        var checks = body.GetProperty("checks");
        Assert.Equal("ok", checks.GetProperty("database").GetProperty("status").GetString());
        Assert.Equal(host.UsesPostgres ? "postgres" : "sqlite", checks.GetProperty("database").GetProperty("provider").GetString());
        Assert.Equal("ok", checks.GetProperty("migrations").GetProperty("status").GetString());
        Assert.Equal(0, checks.GetProperty("migrations").GetProperty("pending").GetArrayLength());
        Assert.True(checks.GetProperty("hangfire").GetProperty("servers").GetInt32() >= 1);
    }

    [Theory]
    [InlineData("/api/v1/services")]
    [InlineData("/api/v1/benchmarks")]
    [InlineData("/api/v1/experiments")]
    [InlineData("/api/v1/logs")]
    [InlineData("/api/v1/notifications")]
    [InlineData("/openapi/server.json")]
    [InlineData("/metrics")]
    [InlineData("/jobs")]
    [InlineData("/docs/")]
    public async Task Every_route_but_the_probes_needs_the_token(string path)
    {
        var response = await Factory.Anonymous().GetAsync(path, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString());

        var right = await Factory.Authorized().GetAsync(path, Ct);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
    }

    [Fact]
    public async Task A_wrong_token_is_refused()
    {
        // One wrong try only: the fixture's host is shared, and ten would trip the throttle for the other tests.
        var wrong = await Factory.Authorized("not-the-token-but-long-enough-xyz").GetAsync("/api/v1/experiments", Ct);
        await Problem.ReadAsync(wrong, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Unauthorized_api_answers_are_problem_details()
    {
        var response = await Factory.Anonymous().GetAsync("/api/v1/services", Ct);
        await Problem.ReadAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Each_module_serves_its_own_openapi_document()
    {
        var client = Factory.Authorized();
        foreach (var name in ModuleDocuments)
        {
            var document = await client.GetFromJsonAsync<JsonElement>($"/openapi/{name}.json", Ct);
            Assert.StartsWith("3.", document.GetProperty("openapi").GetString());
            Assert.Contains(name, document.GetProperty("info").GetProperty("title").GetString()!, StringComparison.OrdinalIgnoreCase);
            var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
            Assert.NotEmpty(paths);
            Assert.All(paths, p => Assert.StartsWith("/api/v1/", p));
        }

        var server = await client.GetFromJsonAsync<JsonElement>("/openapi/server.json", Ct);
        var serverPaths = server.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/api/v1/services", serverPaths);
        Assert.DoesNotContain("/api/v1/benchmarks", serverPaths);
    }

    [Fact]
    public async Task Bad_query_values_are_rejected_naming_the_field()
    {
        var client = Factory.Authorized();

        var notANumber = await Problem.ReadAsync(await client.GetAsync("/api/v1/services?limit=abc", Ct), HttpStatusCode.BadRequest);
        Assert.NotEmpty(Problem.FieldErrors(notANumber, "limit"));

        var outOfRange = await Problem.ReadAsync(
            await client.GetAsync("/api/v1/services?status=bogus&limit=0", Ct), HttpStatusCode.BadRequest);
        Assert.Contains("bogus", Problem.FieldErrors(outOfRange, "status")[0]);
        Assert.Contains("limit", Problem.FieldErrors(outOfRange, "limit")[0]);

        var badGuid = await Problem.ReadAsync(await client.GetAsync("/api/v1/benchmarks?experiment=nope", Ct), HttpStatusCode.BadRequest);
        Assert.NotEmpty(Problem.FieldErrors(badGuid, "experiment"));

        var badLevel = await Problem.ReadAsync(await client.GetAsync("/api/v1/logs?level=loud&stream=stdin", Ct), HttpStatusCode.BadRequest);
        Assert.NotEmpty(Problem.FieldErrors(badLevel, "level"));
        Assert.NotEmpty(Problem.FieldErrors(badLevel, "stream"));

        var badFn = await Problem.ReadAsync(await client.GetAsync("/api/v1/metrics/series?name=vllm:num_requests_running&fn=avg&step=soon", Ct),
            HttpStatusCode.BadRequest);
        Assert.NotEmpty(Problem.FieldErrors(badFn, "fn"));
        Assert.NotEmpty(Problem.FieldErrors(badFn, "step"));
        var noQuantile = await Problem.ReadAsync(await client.GetAsync("/api/v1/metrics/series?name=vllm:e2e_request_latency_seconds&fn=quantile&q=2",
            Ct), HttpStatusCode.BadRequest);
        Assert.NotEmpty(Problem.FieldErrors(noQuantile, "q"));
    }

    [Fact]
    public async Task Unknown_ids_and_routes_are_404_problems()
    {
        var client = Factory.Authorized();
        foreach (var path in new[] { "/api/v1/services/", "/api/v1/benchmarks/", "/api/v1/experiments/" })
        {
            var id = Guid.NewGuid();
            var problem = await Problem.ReadAsync(await client.GetAsync(path + id, Ct), HttpStatusCode.NotFound);
            Assert.Contains(id.ToString(), problem.GetProperty("detail").GetString());
        }

        await Problem.ReadAsync(await client.GetAsync("/api/v1/no-such-thing", Ct), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Stored_services_are_listed_and_shown_with_their_transitions()
    {
        // A finished service: the recurring server:poll only touches active ones, so nothing but this test moves it
        // (a queued one with a made-up job id may be marked unknown by a poll that asks the scheduler about it).
        var now = DateTimeOffset.UtcNow;
        var id = Guid.NewGuid();
        var dbFactory = Factory.Services.GetRequiredService<IDbContextFactory<ServerDbContext>>();
        await using (var db = await dbFactory.CreateDbContextAsync(Ct))
        {
            db.Services.Add(new ServiceRecord
            {
                Id = id, Recipe = "vllm", Status = ServiceStatus.Failed, Reason = "NODE_FAIL", JobId = "42", Nodes = 4,
                CreatedAt = now, UpdatedAt = now.AddSeconds(2),
                Transitions =
                [
                    new ServiceTransition { Status = ServiceStatus.Pending, At = now },
                    new ServiceTransition { Status = ServiceStatus.Queued, Reason = "Resources", At = now.AddSeconds(1) },
                    new ServiceTransition { Status = ServiceStatus.Failed, Reason = "NODE_FAIL", At = now.AddSeconds(2) },
                ],
            });
            await db.SaveChangesAsync(Ct);
        }

        var client = Factory.Authorized();
        var failed = await client.GetFromJsonAsync<JsonElement>("/api/v1/services?status=failed", Ct);
        Assert.Contains(failed.EnumerateArray(), s => s.GetProperty("id").GetGuid() == id && s.GetProperty("reason").GetString() == "NODE_FAIL");
        var ready = await client.GetFromJsonAsync<JsonElement>("/api/v1/services?status=ready", Ct);
        Assert.DoesNotContain(ready.EnumerateArray(), s => s.GetProperty("id").GetGuid() == id);

        var detail = await client.GetFromJsonAsync<JsonElement>($"/api/v1/services/{id}", Ct);
        Assert.Equal("failed", detail.GetProperty("status").GetString());
        Assert.Equal(["pending", "queued", "failed"],
            detail.GetProperty("transitions").EnumerateArray().Select(t => t.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task An_experiment_shows_its_service_state_through_the_contracts()
    {
        var now = DateTimeOffset.UtcNow;
        var serviceId = Guid.NewGuid();
        var experimentId = Guid.NewGuid();
        await using (var db = await Factory.Services.GetRequiredService<IDbContextFactory<ServerDbContext>>().CreateDbContextAsync(Ct))
        {
            db.Services.Add(new ServiceRecord { Id = serviceId, Recipe = "vllm-sim", Status = ServiceStatus.Ready, Nodes = 2, CreatedAt = now,
                UpdatedAt = now });
            await db.SaveChangesAsync(Ct);
        }

        await using (var db = await Factory.Services.GetRequiredService<IDbContextFactory<ExperimentsDbContext>>().CreateDbContextAsync(Ct))
        {
            db.Experiments.Add(new Experiment
            {
                Id = experimentId, Name = "throughput", Recipe = "vllm-sim", Nodes = 2, TestType = "throughput", DurationSeconds = 60,
                // Ended, so the recurring experiments:advance leaves it as it is (a running one it would move on, and it
                // did, once in CI); a ready service without a job id is left alone by server:poll.
                Stage = Aibench.Contracts.Experiments.ExperimentStage.Completed, Status = Aibench.Contracts.Experiments.ExperimentStatus.Completed,
                ServiceId = serviceId, KeepService = true, CreatedAt = now, UpdatedAt = now, FinishedAt = now,
            });
            await db.SaveChangesAsync(Ct);
        }

        var detail = await Factory.Authorized().GetFromJsonAsync<JsonElement>($"/api/v1/experiments/{experimentId}", Ct);
        Assert.Equal("completed", detail.GetProperty("experiment").GetProperty("stage").GetString());
        Assert.Equal(serviceId, detail.GetProperty("service").GetProperty("serviceId").GetGuid());
        Assert.Equal("ready", detail.GetProperty("service").GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_server_module_hands_on_the_experiment_of_a_service_and_of_a_worker_job()
    {
        var now = DateTimeOffset.UtcNow;
        Guid experiment = Guid.NewGuid(), tagged = Guid.NewGuid(), byHand = Guid.NewGuid(), benchmark = Guid.NewGuid();
        var folder = Directory.CreateTempSubdirectory("aibench-sources-").FullName;
        try
        {
            await using (var db = await Factory.Services.GetRequiredService<IDbContextFactory<ServerDbContext>>().CreateDbContextAsync(Ct))
            {
                ServiceRecord Of(Guid id, Guid? of) => new()
                {
                    Id = id, Recipe = "vllm-sim", Status = ServiceStatus.Ready, Nodes = 1, RunFolder = folder, CreatedAt = now, UpdatedAt = now,
                        ExperimentId = of,
                };
                db.Services.AddRange(Of(tagged, experiment), Of(byHand, null));
                db.WorkerJobs.Add(new WorkerJobRecord { BenchmarkId = benchmark, JobId = "7", RunFolder = folder, Scheduler = "local", Tasks = 1,
                    CreatedAt = now, ExperimentId = experiment });
                await db.SaveChangesAsync(Ct);
            }

            // Monitor and Logs read the experiment from these answers; they never ask the Experiments module.
            var sender = Factory.Services.GetRequiredService<Mediator.ISender>();
            var ready = await sender.Send(new ListReadyServices(), Ct);
            Assert.Equal(experiment, ready.Single(s => s.ServiceId == tagged).ExperimentId);
            Assert.Null(ready.Single(s => s.ServiceId == byHand).ExperimentId);

            var sources = await sender.Send(new ListLogSources(now.AddHours(-1)), Ct);
            Assert.Equal(experiment, sources.Single(s => s.Id == tagged).ExperimentId);
            Assert.Null(sources.Single(s => s.Id == byHand).ExperimentId);
            Assert.Equal((LogSourceKind.Workers, experiment),
                (sources.Single(s => s.Id == benchmark).Kind, sources.Single(s => s.Id == benchmark).ExperimentId));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Benchmarks_are_listed_by_experiment()
    {
        var now = DateTimeOffset.UtcNow;
        var experiment = Guid.NewGuid();
        await using (var db = await Factory.Services.GetRequiredService<IDbContextFactory<ClientDbContext>>().CreateDbContextAsync(Ct))
        {
            db.Benchmarks.AddRange(
                new BenchmarkRun { Id = Guid.NewGuid(), Name = "mine", Status = Aibench.Contracts.Client.BenchmarkStatus.Completed,
                    Target = "http://a", ExperimentId = experiment, CreatedAt = now, Spec = "{}" },
                new BenchmarkRun { Id = Guid.NewGuid(), Name = "other", Status = Aibench.Contracts.Client.BenchmarkStatus.Completed,
                    Target = "http://b", CreatedAt = now, Spec = "{}" });
            await db.SaveChangesAsync(Ct);
        }

        var runs = await Factory.Authorized().GetFromJsonAsync<JsonElement>($"/api/v1/benchmarks?experiment={experiment}", Ct);
        Assert.Equal(["mine"], runs.EnumerateArray().Select(r => r.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Log_pages_follow_the_cursor_without_gaps_or_repeats()
    {
        var service = Guid.NewGuid();
        var now = DateTimeOffset.UtcNow;
        await using (var db = await Factory.Services.GetRequiredService<IDbContextFactory<LogsDbContext>>().CreateDbContextAsync(Ct))
        {
            db.Lines.AddRange(Enumerable.Range(0, 7).Select(i => new LogLine
            {
                ServiceId = service, Stream = i % 2 == 0 ? "stdout" : "stderr", Level = i == 5 ? "error" : "info",
                Timestamp = now.AddMilliseconds(i), Text = $"line {i}",
            }));
            await db.SaveChangesAsync(Ct);
        }

        var client = Factory.Authorized();
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var after = cursor is null ? "" : "&cursor=" + cursor;
            var page = await client.GetFromJsonAsync<JsonElement>($"/api/v1/logs?service={service}&limit=3{after}", Ct);
            seen.AddRange(page.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("text").GetString()!));
            cursor = page.GetProperty("nextCursor").ValueKind == JsonValueKind.Null ? null : page.GetProperty("nextCursor").GetInt64().ToString();
        }
        while (cursor is not null);

        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"line {i}"), seen);

        var errors = await client.GetFromJsonAsync<JsonElement>($"/api/v1/logs?service={service}&level=error", Ct);
        Assert.Equal(["line 5"], errors.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("text").GetString()));
        var found = await client.GetFromJsonAsync<JsonElement>($"/api/v1/logs?service={service}&q=line%203", Ct);
        Assert.Single(found.GetProperty("lines").EnumerateArray());
    }

    [Fact]
    public async Task Metric_samples_come_back_as_one_series_per_label_set()
    {
        var service = Guid.NewGuid();
        var t0 = DateTimeOffset.UtcNow;
        await using (var db = await Factory.Services.GetRequiredService<IDbContextFactory<MonitorDbContext>>().CreateDbContextAsync(Ct))
        {
            foreach (var replica in new[] { "0", "1" })
            {
                db.Series.Add(new MetricSeries
                {
                    ServiceId = service, Name = "vllm:num_requests_running", Labels = $"{{replica=\"{replica}\"}}",
                    Samples = [.. Enumerable.Range(0, 3).Select(i => new MetricSample { TimestampMs = t0.AddSeconds(5 * i).ToUnixTimeMilliseconds(),
                        Value = i })],
                });
            }

            await db.SaveChangesAsync(Ct);
        }

        var series = await Factory.Authorized().GetFromJsonAsync<JsonElement>(
            $"/api/v1/metrics/series?service={service}&name=vllm:num_requests_running", Ct);
        Assert.Equal(2, series.GetArrayLength());
        Assert.All(series.EnumerateArray(), s
            => Assert.Equal([0.0, 1.0, 2.0], s.GetProperty("points").EnumerateArray().Select(p => p.GetProperty("v").GetDouble())));
    }

    [Fact]
    public async Task Each_module_keeps_its_tables_apart()
    {
        await using var db = await Factory.Services.GetRequiredService<IDbContextFactory<ServerDbContext>>().CreateDbContextAsync(Ct);
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = host.UsesPostgres
            ? "SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog','information_schema')"
            : "SELECT name FROM sqlite_master WHERE type = 'table'";
        var tables = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync(Ct))
        {
            while (await reader.ReadAsync(Ct))
            {
                tables.Add(reader.GetString(0));
            }
        }

        var separator = host.UsesPostgres ? "." : "_";
        Assert.Contains($"server{separator}services", tables);
        Assert.Contains($"client{separator}benchmarks", tables);
        Assert.Contains($"monitor{separator}metric_samples", tables);
        Assert.Contains($"logs{separator}log_lines", tables);
        Assert.Contains($"experiments{separator}experiments", tables);
        Assert.Contains($"notifications{separator}deliveries", tables);
        foreach (var module in ModuleDocuments)
        {
            Assert.Contains(tables, t => t.StartsWith(module + separator, StringComparison.Ordinal)
                && t.Contains("ef_migrations_history", StringComparison.Ordinal));
        }

        if (host.UsesPostgres)
        {
            Assert.Contains(tables, t => t.StartsWith("hangfire.", StringComparison.Ordinal));
        }
    }
}

[Collection(nameof(HostCollection))]
public sealed class SqliteApiContractTests(SqliteHost host) : ApiContractTests(host), IClassFixture<SqliteHost>;

[Collection(nameof(HostCollection))]
public sealed class PostgresApiContractTests(PostgresHost host) : ApiContractTests(host), IClassFixture<PostgresHost>;
