using System.Net.Http.Json;
using System.Text.Json;
using Aibench.Tests.Infrastructure;
using Aibench.Tests.Server;
using static Aibench.Tests.Experiments.ExperimentDriver;

namespace Aibench.Tests.EndToEnd;

/// <summary>
/// The replica drill during an experiment, on the 4-node SLURM cluster with the simulator: a replica is killed while
/// the measured load runs. The service's restart policy brings it back; the experiment must not report the run it
/// interrupted as whole, so the load runs again and the result comes from that run alone, with nothing lost or counted
/// twice, and nothing left on the cluster.
/// </summary>
[Collection(nameof(HostCollection))]
public sealed class ReplicaLossDrillTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_replica_killed_during_the_load_restarts_the_service_and_the_load_runs_again_whole()
    {
        Assert.SkipWhen(SlurmCluster.Unavailable() is not null, SlurmCluster.Unavailable() ?? "");
        await using var host = Start("slurm");
        var client = host.Client;
        var request = new
        {
            recipe = "vllm-sim",
            nodes = 2,
            testType = "throughput",
            duration = "20s",
            warmup = "1s",
            load = new { concurrency = 4, dataset = "random:input=32,output=8" },
            restart = new { max = 1, backoff = "1s" },
        };
        var id = await CreateAsync(client, request);
        var serviceId = Guid.Empty;
        try
        {
            var loading = await WaitAsync(client, id,
                d => Status(d) != "running" || (Stage(d) == "loading" && d.GetProperty("progress").ValueKind == JsonValueKind.Object
                    && d.GetProperty("experiment").GetProperty("benchmarkId").ValueKind == JsonValueKind.String
                    // The measured run's own progress, not the warm-up's last report.
                    && d.GetProperty("progress").GetProperty("benchmarkId").GetGuid()
                        == d.GetProperty("experiment").GetProperty("benchmarkId").GetGuid()
                    && d.GetProperty("progress").GetProperty("completed").GetInt64() > 0), TimeSpan.FromSeconds(180));
            Assert.Equal("loading", Stage(loading));
            serviceId = loading.GetProperty("experiment").GetProperty("serviceId").GetGuid();
            var firstRun = loading.GetProperty("experiment").GetProperty("benchmarkId").GetGuid();
            var service = await host.ServiceAsync(serviceId);
            var firstJob = service.GetProperty("jobId").GetString()!;

            await ReplicaRestartTests.SignalReplicaAsync(service, task: 1, "KILL");

            var done = await WaitEndAsync(client, id, TimeSpan.FromSeconds(300));
            Assert.True(Status(done) == "completed", done.ToString());
            Assert.Equal(1, done.GetProperty("definition").GetProperty("serviceRestarts").GetInt32());
            var notes = done.GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("note").GetString() ?? "").ToList();
            Assert.Contains(notes, n => n.Contains("interrupted: the service is restarting", StringComparison.Ordinal)
                && n.Contains("the interrupted run is cancelled, not counted", StringComparison.Ordinal));
            // Stopped by the cancel: "partial" once it had measured something (it had: the replica was killed mid-load).
            Assert.Contains((await Drills.GetJsonAsync(client, $"/api/v1/benchmarks/{firstRun}")).GetProperty("run").GetProperty("status")
                .GetString(), new[] { "partial", "cancelled" });
            // Loading ran twice: the interrupted run and the whole one.
            Assert.Equal(2, Stages(done).Count(s => s == "loading"));

            // The result is the second run's, which met a whole service: nothing failed, nothing missing or twice.
            var result = done.GetProperty("result");
            var secondRun = result.GetProperty("benchmarkId").GetGuid();
            Assert.NotEqual(firstRun, secondRun);
            var overall = result.GetProperty("overall");
            Assert.Equal(0, overall.GetProperty("failed").GetInt64());
            var completed = overall.GetProperty("completed").GetInt64();
            Assert.True(completed > 0);
            var lines = (await client.GetStringAsync($"/api/v1/benchmarks/{secondRun}/export?format=jsonl", Ct))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => JsonDocument.Parse(l).RootElement)
                .Where(r => !r.GetProperty("warmup").GetBoolean())
                .ToList();
            Assert.Equal(completed, lines.Count(r => r.GetProperty("error").ValueKind == JsonValueKind.Null));
            Assert.Equal(lines.Count, lines.Select(r => r.GetProperty("index").GetInt64()).Distinct().Count());

            // The interrupted run is kept, cut short (partial: what it measured up to the cancel), for whoever wants to
            // see what it met.
            var cancelled = await client.GetFromJsonAsync<JsonElement>($"/api/v1/benchmarks/{firstRun}", Ct);
            Assert.Contains(cancelled.GetProperty("run").GetProperty("status").GetString(), new[] { "partial", "cancelled" });

            // The service's history: two attempts on two jobs, the first restarted, and nothing left on the cluster.
            service = await host.ServiceAsync(serviceId);
            var attempts = service.GetProperty("attempts").EnumerateArray().ToList();
            Assert.Equal(2, attempts.Count);
            Assert.Equal(firstJob, attempts[0].GetProperty("jobId").GetString());
            Assert.True(attempts[0].GetProperty("restarted").GetBoolean());
            var until = DateTime.UtcNow.AddSeconds(60);
            while (await SlurmCluster.StateAsync(service.GetProperty("jobId").GetString()!) is "RUNNING" or "COMPLETING" or "PENDING"
                && DateTime.UtcNow < until)
            {
                await Task.Delay(500, Ct);
            }

            Assert.True(await SlurmCluster.StateAsync(service.GetProperty("jobId").GetString()!) is null or "CANCELLED" or "COMPLETED");
            Assert.True(await SlurmCluster.StateAsync(firstJob) is null or "CANCELLED" or "COMPLETED" or "FAILED");
        }
        finally
        {
            if (serviceId != Guid.Empty)
            {
                await client.DeleteAsync($"/api/v1/services/{serviceId}", Ct);
            }
        }
    }
}
