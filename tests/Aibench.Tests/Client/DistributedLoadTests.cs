using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aibench.Tests.Infrastructure;
using Aibench.Tests.Server;
using HdrHistogram;

namespace Aibench.Tests.Client;

/// <summary>
/// Distributed load generation for real: a 4-replica simulator deployment, load from 4 workers started as one batch
/// job (placement slurm), their reports over HTTP or files, merged by the host. The same tests run on the 4-node SLURM
/// test cluster and on local processes.
/// </summary>
public abstract class DistributedLoadTests
{
    protected abstract string Scheduler { get; }

    protected virtual string? SkipReason => null;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private ServerHost Start(bool kestrel, IDictionary<string, string?>? extra = null)
    {
        Assert.SkipWhen(SkipReason is not null, SkipReason ?? "");
        // Long enough for the job to be scheduled and four workers to start on a busy 2-core machine: a worker that
        // starts late shifts its window and the merged achieved rate with it.
        var settings = new Dictionary<string, string?> { ["Client:WorkerStartLead"] = "15s" };
        foreach (var (k, v) in extra ?? new Dictionary<string, string?>()) settings[k] = v;
        return ServerHost.Start(Scheduler, extra: settings, kestrel: kestrel);
    }

    private static async Task<Guid> DeploySimAsync(ServerHost host)
    {
        var id = (await host.DeployAsync(new { recipe = "vllm-sim", nodes = 4, parameters = new { served_model_name = "llama-sim" }
            })).GetProperty("id").GetGuid();
        var ready = await host.WaitAsync(id, s => ServerHost.StatusIs(s, "ready", "failed"), Patience);
        Assert.True(ServerHost.StatusIs(ready, "ready"), ready.ToString());
        return id;
    }

    private static async Task<Guid> StartAsync(ServerHost host, object body)
    {
        var started = await host.Client.PostAsJsonAsync("/api/v1/benchmarks", body, Ct);
        var answer = await started.Content.ReadAsStringAsync(Ct);
        Assert.True(started.StatusCode == HttpStatusCode.Accepted, answer);
        return JsonDocument.Parse(answer).RootElement.GetProperty("id").GetGuid();
    }

    private static async Task<JsonElement> WaitAsync(ServerHost host, Guid benchmark, Func<JsonElement, bool> done)
    {
        var until = DateTime.UtcNow + Patience;
        JsonElement detail;
        do
        {
            await Task.Delay(250, Ct);
            detail = await host.Client.GetFromJsonAsync<JsonElement>($"/api/v1/benchmarks/{benchmark}", Ct);
            if (done(detail)) return detail;
        }
        while (DateTime.UtcNow < until);

        Assert.Fail($"benchmark {benchmark} did not get there; last seen: {detail}");
        return detail;
    }

    private static bool Ended(JsonElement d) => d.GetProperty("run").GetProperty("status").GetString() is not ("pending" or "running");

    private static object Load(Guid service, object load, string duration, string reporting) => new
    {
        service, load, duration, dataset = "random:input=32,output=4",
        placement = new { kind = "slurm", nodes = 4, tasksPerNode = 1, reporting },
    };

    private static string RunFolder(ServerHost host, Guid benchmark) => Path.Combine(host.Factory.Home, "runs", benchmark.ToString());

    [Fact]
    public async Task Four_workers_report_over_http_and_the_merge_equals_the_percentiles_of_all_records_with_the_rate_split_exactly()
    {
        await using var host = Start(kestrel: true);
        var service = await DeploySimAsync(host);
        try
        {
            var id = await StartAsync(host, Load(service, new { kind = "rate", rate = 40, arrival = "constant" }, "10s", "http"));
            var detail = await WaitAsync(host, id, Ended);
            Assert.Equal("completed", detail.GetProperty("run").GetProperty("status").GetString());
            var summary = detail.GetProperty("summary");
            var overall = summary.GetProperty("overall");
            var workers = summary.GetProperty("workers").EnumerateArray().ToList();
            Assert.Equal([0, 1, 2, 3], workers.Select(w => w.GetProperty("worker").GetInt32()));
            Assert.All(workers, w => Assert.False(string.IsNullOrEmpty(w.GetProperty("node").GetString())));
            Assert.All(workers, w => Assert.True(w.GetProperty("completed").GetInt64() > 0, w.ToString()));
            Assert.All(workers, w => Assert.True(w.TryGetProperty("scheduleLagP99Ms", out _), w.ToString()));
            // Each worker calibrated its own client on its node before the shared start (the host's default, 3 s; the
            // lead grew by it), or, if its start came too late for that, says it skipped; and each was judged on its own.
            Assert.All(workers, w => Assert.Contains(w.GetProperty("envelope").GetProperty("status").GetString(), new[] { "measured", "skipped" }));
            Assert.Contains(workers, w => w.GetProperty("envelope").GetProperty("status").GetString() == "measured");
            Assert.All(workers, w => Assert.True(w.TryGetProperty("clientLimited", out _) && w.TryGetProperty("clientCpu", out _), w.ToString()));
            Assert.Equal(workers.Any(w => w.GetProperty("clientLimited").GetBoolean()), summary.GetProperty("clientLimited").GetBoolean());

            // Total = sum of workers'.
            Assert.Equal(workers.Sum(w => w.GetProperty("sent").GetInt64()), overall.GetProperty("sent").GetInt64());
            Assert.Equal(workers.Sum(w => w.GetProperty("completed").GetInt64()), overall.GetProperty("completed").GetInt64());
            Assert.Equal(400, overall.GetProperty("sent").GetInt64());

            // Merged p50/p99 = the percentiles of every request's record.
            var rows = (await host.Client.GetStringAsync($"/api/v1/benchmarks/{id}/export?format=jsonl", Ct))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
                .Where(r => r.GetProperty("error").ValueKind == JsonValueKind.Null && !r.GetProperty("warmup").GetBoolean()).ToList();
            Assert.Equal(overall.GetProperty("completed").GetInt64(), rows.Count);
            AssertPercentiles(overall.GetProperty("ttftMs"),
                rows.Select(r => r.GetProperty("first_token_us").GetInt64() - r.GetProperty("scheduled_us").GetInt64()));
            AssertPercentiles(overall.GetProperty("e2eMs"),
                rows.Select(r => r.GetProperty("end_us").GetInt64() - r.GetProperty("scheduled_us").GetInt64()));

            // The workers' chunk gaps come with their records: one itls list per measured request.
            var vllm = (await host.Client.GetFromJsonAsync<JsonElement>($"/api/v1/benchmarks/{id}/export?format=json", Ct)).GetProperty("vllm");
            Assert.Equal(vllm.GetProperty("input_lens").GetArrayLength(), vllm.GetProperty("itls").GetArrayLength());

            // Rate split: rate / 4 each, together within 2 % of the target.
            var achieved = overall.GetProperty("achievedRate").GetDouble();
            Assert.InRange(achieved, 40 * 0.98, 40 * 1.02);
            Assert.All(workers, w => Assert.InRange(w.GetProperty("achievedRate").GetDouble(), 10 * 0.98, 10 * 1.02));

            // Reported over HTTP: nothing had to be written to files.
            Assert.Empty(Directory.GetFiles(Path.Combine(RunFolder(host, id), "workers"), "*.final.json"));

            // The workers' own output is collected as the benchmark's logs, each line with its worker's node.
            var nodeOf = workers.ToDictionary(w => w.GetProperty("worker").GetInt32(), w => w.GetProperty("node").GetString());
            var until = DateTime.UtcNow.AddSeconds(30);
            List<JsonElement> lines;
            do
            {
                await Task.Delay(250, Ct);
                lines = [.. (await host.Client.GetFromJsonAsync<JsonElement>($"/api/v1/logs?benchmark={id}&limit=1000",
                    Ct)).GetProperty("lines").EnumerateArray()];
            }
            while (lines.Count(l => l.GetProperty("text").GetString()!.Contains(" requests, ", StringComparison.Ordinal)) < 4
                && DateTime.UtcNow < until);

            foreach (var (worker, node) in nodeOf)
            {
                var started = Assert.Single(lines, l => l.GetProperty("text").GetString()!.StartsWith($"aibench worker {worker}/4 on {node}: ",
                    StringComparison.Ordinal));
                Assert.Equal((worker, node), (started.GetProperty("task").GetInt32(), started.GetProperty("node").GetString()));
                var finished = Assert.Single(lines, l
                    => l.GetProperty("text").GetString()!.StartsWith($"aibench worker {worker}: ", StringComparison.Ordinal)
                    && l.GetProperty("text").GetString()!.Contains(" requests, ", StringComparison.Ordinal));
                Assert.Equal(node, finished.GetProperty("node").GetString());
            }
        }
        finally
        {
            await host.Client.DeleteAsync($"/api/v1/services/{service}", Ct);
        }
    }

    private static void AssertPercentiles(JsonElement stats, IEnumerable<long> valuesUs)
    {
        var h = new LongHistogram(86_400_000_000L, 3);
        foreach (var v in valuesUs) h.RecordValue(v);
        Assert.Equal(Math.Round(h.GetValueAtPercentile(50) / 1000.0, 3), stats.GetProperty("p50").GetDouble());
        Assert.Equal(Math.Round(h.GetValueAtPercentile(99) / 1000.0, 3), stats.GetProperty("p99").GetDouble());
    }

    [Fact]
    public async Task Workers_told_to_write_files_hand_in_through_the_run_folder()
    {
        await using var host = Start(kestrel: false);
        var service = await DeploySimAsync(host);
        try
        {
            var id = await StartAsync(host, Load(service, new { kind = "concurrency", concurrency = 6 }, "4s", "files"));
            var detail = await WaitAsync(host, id, Ended);
            Assert.Equal("completed", detail.GetProperty("run").GetProperty("status").GetString());
            var workers = detail.GetProperty("summary").GetProperty("workers").EnumerateArray().ToList();
            Assert.Equal(4, workers.Count);
            Assert.Equal(4, Directory.GetFiles(Path.Combine(RunFolder(host, id), "workers"), "*.final.json").Length);
            Assert.Equal(workers.Sum(w => w.GetProperty("completed").GetInt64()),
                detail.GetProperty("summary").GetProperty("overall").GetProperty("completed").GetInt64());
        }
        finally
        {
            await host.Client.DeleteAsync($"/api/v1/services/{service}", Ct);
        }
    }

    [Fact]
    public async Task Workers_that_cannot_reach_the_host_fall_back_to_files()
    {
        // Nothing listens there: every worker's first snapshot fails to connect.
        await using var host = Start(kestrel: false, new Dictionary<string,
            string?> { ["Client:WorkerReportUrl"] = $"http://127.0.0.1:{AibenchProcess.FreePort()}/" });
        var service = await DeploySimAsync(host);
        try
        {
            var id = await StartAsync(host, Load(service, new { kind = "concurrency", concurrency = 4 }, "4s", "http"));
            var detail = await WaitAsync(host, id, Ended);
            Assert.Equal("completed", detail.GetProperty("run").GetProperty("status").GetString());
            Assert.Equal(4, detail.GetProperty("summary").GetProperty("workers").GetArrayLength());
            var folder = RunFolder(host, id);
            Assert.Equal(4, Directory.GetFiles(Path.Combine(folder, "workers"), "*.final.json").Length);
            Assert.Contains("cannot be reached", await File.ReadAllTextAsync(Path.Combine(folder, "task-0.err"), Ct));
        }
        finally
        {
            await host.Client.DeleteAsync($"/api/v1/services/{service}", Ct);
        }
    }

    [Fact]
    public async Task A_killed_worker_makes_the_run_partial_and_is_named_with_its_node_while_the_others_finish()
    {
        await using var host = Start(kestrel: true);
        var service = await DeploySimAsync(host);
        try
        {
            var id = await StartAsync(host, Load(service, new { kind = "rate", rate = 20 }, "12s", "http"));
            await WaitAsync(host, id, d => d.TryGetProperty("progress", out var p) && p.ValueKind == JsonValueKind.Object
                && p.GetProperty("sent").GetInt64() > 20);
            var pid = int.Parse((await File.ReadAllTextAsync(Path.Combine(RunFolder(host, id), "workers", "2.pid"), Ct)).Trim());
            Process.GetProcessById(pid).Kill();

            var detail = await WaitAsync(host, id, Ended);
            var run = detail.GetProperty("run");
            Assert.Equal("partial", run.GetProperty("status").GetString());
            Assert.Contains("worker 2 on ", run.GetProperty("error").GetString());
            Assert.Contains("killed by signal 9", run.GetProperty("error").GetString());
            var workers = detail.GetProperty("summary").GetProperty("workers").EnumerateArray().ToList();
            var dead = workers.Single(w => w.GetProperty("worker").GetInt32() == 2);
            Assert.Equal("died", dead.GetProperty("status").GetString());
            Assert.False(string.IsNullOrEmpty(dead.GetProperty("node").GetString()));
            Assert.All(workers.Where(w => w.GetProperty("worker").GetInt32() != 2), w
                => Assert.Equal("completed", w.GetProperty("status").GetString()));
        }
        finally
        {
            await host.Client.DeleteAsync($"/api/v1/services/{service}", Ct);
        }
    }

    [Fact]
    public async Task Cancelling_the_benchmark_cancels_the_worker_job()
    {
        await using var host = Start(kestrel: true);
        var service = await DeploySimAsync(host);
        try
        {
            var id = await StartAsync(host, Load(service, new { kind = "rate", rate = 20 }, "2m", "http"));
            await WaitAsync(host, id, d => d.TryGetProperty("progress", out var p) && p.ValueKind == JsonValueKind.Object
                && p.GetProperty("sent").GetInt64() > 10);
            var jobId = (await File.ReadAllTextAsync(Path.Combine(RunFolder(host, id), "submitted"), Ct)).Trim();
            var cancel = await host.Client.PostAsync($"/api/v1/benchmarks/{id}/cancel", null, Ct);
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);

            var detail = await WaitAsync(host, id, Ended);
            Assert.Equal("partial", detail.GetProperty("run").GetProperty("status").GetString());
            Assert.True(detail.GetProperty("summary").GetProperty("overall").GetProperty("sent").GetInt64() > 10);
            await AssertJobGoneAsync(jobId, RunFolder(host, id));
        }
        finally
        {
            await host.Client.DeleteAsync($"/api/v1/services/{service}", Ct);
        }
    }

    protected abstract Task AssertJobGoneAsync(string jobId, string runFolder);
}

[Collection(nameof(HostCollection))]
public sealed class LocalDistributedLoadTests : DistributedLoadTests
{
    protected override string Scheduler => "local";

    protected override async Task AssertJobGoneAsync(string jobId, string runFolder)
    {
        // Every worker process ended: each wrote its exit file.
        var until = DateTime.UtcNow.AddSeconds(30);
        while (Directory.GetFiles(Path.Combine(runFolder, "workers"), "*.exit").Length < 4 && DateTime.UtcNow < until)
        {
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }

        Assert.Equal(4, Directory.GetFiles(Path.Combine(runFolder, "workers"), "*.exit").Length);
    }
}

[Collection(nameof(HostCollection))]
public sealed class SlurmDistributedLoadTests : DistributedLoadTests
{
    protected override string Scheduler => "slurm";

    protected override string? SkipReason => SlurmCluster.Unavailable();

    protected override async Task AssertJobGoneAsync(string jobId, string runFolder)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        string? state;
        do
        {
            state = await SlurmCluster.StateAsync(jobId);
            if (state is null or "CANCELLED" or "COMPLETED" or "FAILED") break;
            await Task.Delay(500, TestContext.Current.CancellationToken);
        }
        while (DateTime.UtcNow < until);

        // Not pending or running any more: plain squeue no longer lists it.
        Assert.True(state is null or "CANCELLED" or "COMPLETED" or "FAILED", $"job {jobId} is still {state}");
    }
}
