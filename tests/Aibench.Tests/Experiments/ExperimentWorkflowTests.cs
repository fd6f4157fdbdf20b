using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aibench.Tests.Infrastructure;
using Aibench.Tests.Server;
using static Aibench.Tests.Experiments.ExperimentDriver;

namespace Aibench.Tests.Experiments;

/// <summary>Whole experiments of the simulator recipe: deployed, loaded, measured and stopped for real.</summary>
public abstract class ExperimentWorkflowTests
{
    protected abstract string Scheduler { get; }

    protected virtual string? SkipReason => null;

    /// <summary>Nodes a full experiment asks for.</summary>
    protected abstract int Nodes { get; }

    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected ServerHost Host(string? home = null)
    {
        Assert.SkipWhen(SkipReason is not null, SkipReason ?? "");
        return Start(Scheduler, home);
    }

    /// <summary>Checks that the service's job is gone (or at least ended) on the scheduler.</summary>
    protected abstract Task AssertJobGoneAsync(JsonElement service);

    [Fact]
    public async Task A_throughput_experiment_goes_through_every_stage_in_order_and_ends_with_its_service_stopped_and_a_summary()
    {
        await using var host = Host();
        var id = await CreateAsync(host.Client,
            SimExperiment("throughput", Nodes, "3s", load: new { concurrency = 2 * Nodes, dataset = "random:input=32,output=8" }));

        var done = await WaitEndAsync(host.Client, id, Patience);

        Assert.True(Status(done) == "completed", done.ToString());
        Assert.Equal(["deploying", "waiting", "warmup", "loading", "collecting", "stopping", "summarising", "completed"], Stages(done));
        Assert.All(done.GetProperty("stages").EnumerateArray(), s
            => Assert.True(s.GetProperty("endedAt").ValueKind == JsonValueKind.String, s.ToString()));
        var result = done.GetProperty("result");
        Assert.Equal("completed", result.GetProperty("benchmarkStatus").GetString());
        Assert.False(result.GetProperty("partial").GetBoolean());
        Assert.True(result.GetProperty("overall").GetProperty("completed").GetInt64() > 0);
        Assert.Equal(0, result.GetProperty("overall").GetProperty("failed").GetInt64());
        Assert.Contains("requests", done.GetProperty("experiment").GetProperty("reason").GetString());

        // The load went to every replica, through the Client module, tagged with the experiment.
        var benchmarkId = done.GetProperty("experiment").GetProperty("benchmarkId").GetGuid();
        var benchmark = await host.Client.GetFromJsonAsync<JsonElement>(done.GetProperty("links").GetProperty("benchmark").GetString()!, Ct);
        Assert.Equal(id, benchmark.GetProperty("run").GetProperty("experimentId").GetGuid());
        var endpoints = (await host.Client.GetStringAsync($"/api/v1/benchmarks/{benchmarkId}/export?format=jsonl", Ct))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("endpoint").GetInt32());
        Assert.Equal(Enumerable.Range(0, Nodes), endpoints.Distinct().Order());
        Assert.Equal(Nodes, done.GetProperty("service").GetProperty("replicas").GetArrayLength());

        var service = await host.ServiceAsync(done.GetProperty("experiment").GetProperty("serviceId").GetGuid());
        Assert.Equal("cancelled", service.GetProperty("status").GetString());
        await AssertJobGoneAsync(service);

        var listed = await host.Client.GetFromJsonAsync<JsonElement>("/api/v1/experiments?status=completed&testType=throughput", Ct);
        Assert.Contains(listed.EnumerateArray(), e => e.GetProperty("id").GetGuid() == id && e.GetProperty("outputTokenThroughput").GetDouble() > 0);

        // The service's log lines carry the experiment: its id went down with the deployment and the Server module
        // handed it on to the Logs module (which never asks the Experiments module).
        var serviceId = done.GetProperty("experiment").GetProperty("serviceId").GetGuid();
        var lines = await host.Client.GetFromJsonAsync<JsonElement>($"/api/v1/logs?experiment={id}&limit=1000", Ct);
        Assert.Contains(lines.GetProperty("lines").EnumerateArray(), l => l.GetProperty("serviceId").GetGuid() == serviceId);
    }

    [Fact]
    public async Task A_cancel_during_the_load_stops_the_load_and_the_job_and_keeps_the_partial_results()
    {
        await using var host = Host();
        var id = await CreateAsync(host.Client, SimExperiment("throughput", Nodes, "60s", warmup: "0s"));
        var loading = await WaitAsync(host.Client, id, d => Status(d) != "running"
            || (Stage(d) == "loading" && d.GetProperty("progress") is { ValueKind: JsonValueKind.Object } p
            && p.GetProperty("completed").GetInt64() > 0), Patience);
        Assert.Equal("loading", Stage(loading));

        var cancel = await host.Client.DeleteAsync($"/api/v1/experiments/{id}", Ct);
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await host.Client.DeleteAsync($"/api/v1/experiments/{id}", Ct)).StatusCode);

        var done = await WaitEndAsync(host.Client, id, TimeSpan.FromSeconds(60));
        Assert.Equal("cancelled", Status(done));
        Assert.Contains("during loading", done.GetProperty("experiment").GetProperty("reason").GetString());
        var result = done.GetProperty("result");
        Assert.True(result.GetProperty("partial").GetBoolean());
        Assert.Equal("partial", result.GetProperty("benchmarkStatus").GetString());
        Assert.True(result.GetProperty("overall").GetProperty("completed").GetInt64() > 0);
        Assert.True(result.GetProperty("overall").GetProperty("durationSeconds").GetDouble() < 50);

        var service = await host.ServiceAsync(done.GetProperty("experiment").GetProperty("serviceId").GetGuid());
        Assert.Equal("cancelled", service.GetProperty("status").GetString());
        await AssertJobGoneAsync(service);
        Assert.Equal(HttpStatusCode.Accepted, (await host.Client.DeleteAsync($"/api/v1/experiments/{id}", Ct)).StatusCode);
    }

    [Fact]
    public async Task A_recipe_that_fails_at_start_fails_the_experiment_with_the_services_error()
    {
        await using var host = Host();
        var id = await CreateAsync(host.Client, new { recipe = "fails-at-start", testType = "latency", duration = "5s" });

        var done = await WaitEndAsync(host.Client, id, Patience);

        Assert.Equal("failed", Status(done));
        var reason = done.GetProperty("experiment").GetProperty("reason").GetString()!;
        Assert.Contains("the service failed", reason);
        Assert.Contains("CUDA out of memory (simulated)", reason);
        Assert.Contains("task-0.err", reason);
        Assert.Matches(@"replica 0 on \S+: CUDA out of memory", reason);
        Assert.Equal(["deploying", "waiting", "stopping", "failed"], Stages(done));
        Assert.Equal(JsonValueKind.Null, done.GetProperty("result").ValueKind);
    }
}

[Collection(nameof(HostCollection))]
public sealed class LocalExperimentWorkflowTests : ExperimentWorkflowTests
{
    protected override string Scheduler => "local";

    protected override int Nodes => 2;

    protected override Task AssertJobGoneAsync(JsonElement service)
    {
        var state = Path.Combine(service.GetProperty("runFolder").GetString()!, "local");
        foreach (var file in Directory.Exists(state) ? Directory.GetFiles(state, "pid-*") : [])
        {
            var pid = int.Parse(File.ReadAllText(file).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.False(Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal),
                $"process {pid} of the service still runs");
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_host_restart_during_the_load_resumes_the_experiment_which_runs_its_load_again_and_completes()
    {
        var home = Path.Combine(Directory.CreateTempSubdirectory("aibench-test-exp-restart-").FullName, "home");
        Guid id;
        await using (var first = Host(home))
        {
            id = await CreateAsync(first.Client, SimExperiment("throughput", 1, "6s", warmup: "0s"));
            var loading = await WaitAsync(first.Client, id, d => Status(d) != "running"
                || (Stage(d) == "loading" && d.GetProperty("progress").ValueKind == JsonValueKind.Object), Patience);
            Assert.Equal("loading", Stage(loading));
        }

        await using var second = Host(home);
        var done = await WaitEndAsync(second.Client, id, Patience);

        Assert.True(Status(done) == "completed", done.ToString());
        Assert.Equal(2, done.GetProperty("definition").GetProperty("loadAttempts").GetInt32());
        Assert.Contains(done.GetProperty("stages").EnumerateArray(), s => s.GetProperty("note").GetString() is { } note
            && note.Contains("host restart", StringComparison.Ordinal));
        Assert.Equal("completed", done.GetProperty("result").GetProperty("benchmarkStatus").GetString());
        var service = await second.ServiceAsync(done.GetProperty("experiment").GetProperty("serviceId").GetGuid());
        Assert.Equal("cancelled", service.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_stress_ramp_reports_the_rate_at_which_the_service_broke_its_objective()
    {
        await using var host = Host();
        // One sequence at a time: the simulator saturates after a few requests per second and TTFT climbs.
        var id = await CreateAsync(host.Client, SimExperiment("stress", 1, "6s", warmup: "0s", parameters: new { max_num_seqs = 1 },
            load: new { from = 1, to = 12, dataset = "random:input=32,output=16", maxInFlight = 8, timeout = "10s" }, slo: new { ttft = "250ms" }));

        var done = await WaitEndAsync(host.Client, id, Patience);

        Assert.True(Status(done) == "completed", done.ToString());
        var stress = done.GetProperty("result").GetProperty("stress");
        Assert.True(stress.GetProperty("broken").GetBoolean(), stress.ToString());
        var rate = stress.GetProperty("breakingRate").GetDouble();
        Assert.InRange(rate, 1, 11.9);
        Assert.Contains("TTFT", stress.GetProperty("cause").GetString());
        Assert.Equal(rate, done.GetProperty("experiment").GetProperty("breakingRate").GetDouble());
        Assert.False(done.GetProperty("result").GetProperty("slo").GetProperty("passed").GetBoolean());
    }
}

[Collection(nameof(HostCollection))]
public sealed class SlurmExperimentWorkflowTests : ExperimentWorkflowTests
{
    protected override string Scheduler => "slurm";

    protected override string? SkipReason => SlurmCluster.Unavailable();

    protected override int Nodes => SlurmCluster.Nodes;

    protected override async Task AssertJobGoneAsync(JsonElement service)
    {
        var jobId = service.GetProperty("jobId").GetString()!;
        var until = DateTime.UtcNow.AddSeconds(30);
        string? state;
        while ((state = await SlurmCluster.StateAsync(jobId)) is "RUNNING" or "COMPLETING" or "PENDING" && DateTime.UtcNow < until)
        {
            await Task.Delay(250, Ct);
        }

        Assert.True(state is null or "CANCELLED" or "FAILED", $"job {jobId} is {state} after the experiment");
    }
}
