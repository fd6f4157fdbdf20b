using System.Diagnostics;
using System.Text.Json;
using Aibench.Tests.Infrastructure;

namespace Aibench.Tests.Server;

/// <summary>
/// The replica drill on the 4-node SLURM cluster: a replica's process hangs, then one is killed (not their job).
/// aibench must notice within 10 s, keep the reason and the last log lines, and apply the restart policy: a new job as
/// the next attempt, then, with no restarts left, the end. Timing category: the 10 s promise is measured, so it runs
/// alone.
/// </summary>
[Collection(nameof(TimingCollection))]
[Trait("Category", TimingCollection.Trait)]
public sealed class ReplicaRestartTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly TimeSpan Detection = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_killed_replica_is_detected_within_ten_seconds_and_restarted_once_then_the_service_fails()
    {
        Assert.SkipWhen(SlurmCluster.Unavailable() is not null, SlurmCluster.Unavailable() ?? "");
        await using var host = ServerHost.Start("slurm");
        var id = (await host.DeployAsync(new
            { recipe = "http-server", nodes = 2, restart = new { max = 1, backoff = "1s" } })).GetProperty("id").GetGuid();
        var jobs = new List<string>();
        try
        {
            var ready = await host.WaitAsync(id, s => ServerHost.StatusIs(s, "ready", "failed"), TimeSpan.FromSeconds(90));
            Assert.Equal("ready", ready.GetProperty("status").GetString());
            var firstJob = ready.GetProperty("jobId").GetString()!;
            jobs.Add(firstJob);

            // The first drill: a replica hangs (stopped, as a deadlocked server would be). Its job runs on, so only the
            // probe can tell.
            var killedAt = await SignalReplicaAsync(ready, task: 1, "STOP");
            var restarting = await host.WaitAsync(id, s => !ServerHost.StatusIs(s, "ready"), TimeSpan.FromSeconds(60));
            var noticed = Transition(restarting, "restarting");
            Assert.True(noticed - killedAt <= Detection, $"noticed {(noticed - killedAt).TotalSeconds:0.0} s after the kill: {restarting}");
            TestContext.Current.TestOutputHelper?.WriteLine($"hung replica noticed after {(noticed - killedAt).TotalSeconds:0.0} s");
            Assert.Contains("replica 1", restarting.GetProperty("transitions").EnumerateArray().Last(t => t.GetProperty("status").GetString()
                == "restarting").GetProperty("reason").GetString());

            var again = await host.WaitAsync(id, s => ServerHost.StatusIs(s, "ready", "failed")
                && s.GetProperty("restart").GetProperty("attempt").GetInt32() == 2, TimeSpan.FromSeconds(90));
            Assert.Equal("ready", again.GetProperty("status").GetString());
            var secondJob = again.GetProperty("jobId").GetString()!;
            jobs.Add(secondJob);
            Assert.NotEqual(firstJob, secondJob);
            // The first attempt's job was cancelled by aibench, not left running beside the second.
            Assert.True(await SlurmCluster.StateAsync(firstJob) is null or "CANCELLED" or "COMPLETING" or "COMPLETED" or "FAILED");
            var attempts = again.GetProperty("attempts").EnumerateArray().ToList();
            Assert.Equal(2, attempts.Count);
            Assert.Equal(firstJob, attempts[0].GetProperty("jobId").GetString());
            Assert.False(string.IsNullOrEmpty(attempts[0].GetProperty("nodeList").GetString()));
            Assert.True(attempts[0].GetProperty("restarted").GetBoolean());
            Assert.Contains("stopped answering", attempts[0].GetProperty("reason").GetString());
            Assert.Equal(secondJob, attempts[1].GetProperty("jobId").GetString());
            Assert.Equal(JsonValueKind.Null, attempts[1].GetProperty("endedAt").ValueKind);
            Assert.Equal(2, Directory.GetFiles(Path.Combine(again.GetProperty("runFolder").GetString()!, "attempt-1", "endpoints")).Length);
            var metrics = await host.Client.GetStringAsync("/metrics", Ct);
            var counted = System.Text.RegularExpressions.Regex.Match(metrics,
                @"\naibench_server_aibench_services_restarted\{[^}]*recipe=""http-server""[^}]*\} (\d+)");
            Assert.True(counted.Success && counted.Groups[1].Value == "1", "aibench_services_restarted on /metrics: "
                + string.Join('\n', metrics.Split('\n').Where(l => l.Contains("restarted", StringComparison.Ordinal))));

            // The second drill: a replica is killed. srun may end the job step at once (the job fails after serving) or
            // the probe notices first; either way it is this replica's end, and no restart is left, so the service
            // ends and says so.
            killedAt = await SignalReplicaAsync(again, task: 0, "KILL");
            var failed = await host.WaitAsync(id, s => !ServerHost.StatusIs(s, "ready"), TimeSpan.FromSeconds(60));
            failed = await host.WaitAsync(id, s => ServerHost.StatusIs(s, "failed", "restarting", "completed", "cancelled"),
                TimeSpan.FromSeconds(30));
            Assert.Equal("failed", failed.GetProperty("status").GetString());
            Assert.True(Transition(failed, "failed") - killedAt <= Detection);
            TestContext.Current.TestOutputHelper?.WriteLine($"killed replica: service failed after "
                + $"{(Transition(failed, "failed") - killedAt).TotalSeconds:0.0} s; "
                + $"second attempt ready {(again.GetProperty("attempts")[1].GetProperty("readyAt").GetDateTimeOffset() - noticed).TotalSeconds:0.0} "
                    + $"s after the first was noticed");
            Assert.Contains("not restarted: all 1 restart(s) used", failed.GetProperty("reason").GetString());
            Assert.Equal(2, failed.GetProperty("attempts").GetArrayLength());

            // Nothing of the service is left on the cluster.
            var until = DateTime.UtcNow.AddSeconds(30);
            while (await SlurmCluster.StateAsync(secondJob) is "RUNNING" or "COMPLETING" && DateTime.UtcNow < until)
            {
                await Task.Delay(250, Ct);
            }

            Assert.True(await SlurmCluster.StateAsync(secondJob) is null or "CANCELLED" or "COMPLETED" or "FAILED");
        }
        finally
        {
            await host.Client.DeleteAsync($"/api/v1/services/{id}", Ct);
        }
    }

    [Fact]
    public async Task Without_a_restart_policy_a_silent_replica_is_reported_and_left_running_until_it_answers_again()
    {
        Assert.SkipWhen(SlurmCluster.Unavailable() is not null, SlurmCluster.Unavailable() ?? "");
        await using var host = ServerHost.Start("slurm");
        var id = (await host.DeployAsync(new { recipe = "http-server", nodes = 2 })).GetProperty("id").GetGuid();
        try
        {
            var ready = await host.WaitAsync(id, s => ServerHost.StatusIs(s, "ready", "failed"), TimeSpan.FromSeconds(90));
            Assert.Equal("ready", ready.GetProperty("status").GetString());
            var stoppedAt = await SignalReplicaAsync(ready, task: 1, "STOP");
            var reported = await host.WaitAsync(id, s => !ServerHost.StatusIs(s, "ready") || s.GetProperty("reason").GetString() is not null,
                TimeSpan.FromSeconds(30));
            Assert.Equal("ready", reported.GetProperty("status").GetString());
            Assert.Contains("replica 1", reported.GetProperty("reason").GetString());
            Assert.EndsWith("no restart policy: left running", reported.GetProperty("reason").GetString());
            Assert.True(reported.GetProperty("updatedAt").GetDateTimeOffset() - stoppedAt <= Detection);
            Assert.Equal("RUNNING", await SlurmCluster.StateAsync(ready.GetProperty("jobId").GetString()!));

            await SignalReplicaAsync(ready, task: 1, "CONT");
            var recovered = await host.WaitAsync(id, s => s.GetProperty("reason").ValueKind == JsonValueKind.Null, TimeSpan.FromSeconds(30));
            Assert.Equal("ready", recovered.GetProperty("status").GetString());
            Assert.Single(recovered.GetProperty("attempts").EnumerateArray());
        }
        finally
        {
            await host.Client.DeleteAsync($"/api/v1/services/{id}", Ct);
        }
    }

    private static DateTimeOffset Transition(JsonElement service, string status) =>
        service.GetProperty("transitions").EnumerateArray().Last(t => t.GetProperty("status").GetString()
            == status).GetProperty("at").GetDateTimeOffset();

    /// <summary>Signals the process that listens on the replica's port: KILL as a crash would, STOP as a hang would.</summary>
    internal static async Task<DateTimeOffset> SignalReplicaAsync(JsonElement service, int task, string signal)
    {
        var endpoint = service.GetProperty("endpoints").EnumerateArray().Single(e => e.GetProperty("task").GetInt32() == task);
        var port = endpoint.GetProperty("port").GetInt32();
        var info = new ProcessStartInfo("ss", ["-Hltnp", $"sport = :{port}"]) { RedirectStandardOutput = true };
        using var ss = Process.Start(info)!;
        var listing = await ss.StandardOutput.ReadToEndAsync(Ct);
        await ss.WaitForExitAsync(Ct);
        var pid = System.Text.RegularExpressions.Regex.Match(listing, @"pid=(\d+)");
        Assert.True(pid.Success, $"nothing listens on port {port}: {listing}");
        var killedAt = DateTimeOffset.UtcNow;
        using var kill = Process.Start("kill", ["-" + signal, pid.Groups[1].Value])!;
        await kill.WaitForExitAsync(Ct);
        Assert.Equal(0, kill.ExitCode);
        return killedAt;
    }
}
