using System.Net;
using System.Text.Json;
using Aibench.Tests.Infrastructure;
using static Aibench.Tests.EndToEnd.Drills;
using static Aibench.Tests.Experiments.ExperimentDriver;

namespace Aibench.Tests.EndToEnd;

/// <summary>
/// Failure drill (issue #15): slurmctld is stopped for 60 s in the middle of an experiment's load. On a 4-node cluster
/// of the test's own (other ports and job ids): the shared cluster of the other tests is never stopped.
/// docs/reliability.md, "Failure drills".
/// </summary>
public sealed class ControllerOutageDrillTests : IDisposable
{
    private const double Rate = 4;
    private const int Seconds = 100;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(60);
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("aibench-drill-ctld-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public async Task Slurmctld_stopped_for_a_minute_during_the_load_shows_unknown_with_the_reason_then_recovers_and_the_experiment_completes()
    {
        Assert.SkipWhen(PrivateSlurmCluster.Unavailable() is not null, PrivateSlurmCluster.Unavailable() ?? "");
        await using var cluster = await PrivateSlurmCluster.StartAsync();
        // One retry rather than three: each squeue against a stopped controller takes SLURM's own ~9 s to give up, so the
        // outage shows after about 20 s instead of 40 s of the 60.
        await using var host = await DrillHost.StartAsync(Path.Combine(_temp.FullName, "home"), AibenchProcess.FreePort(), cluster.Conf,
            "Scheduler:Retries=1");
        var id = await CreateAsync(host.Client, LatencyExperiment("drill: slurmctld down", 2, Rate, $"{Seconds}s"));
        var loading = await MeasuringAsync(host.Client, id, TimeSpan.FromMinutes(3));
        AssertMeasuring(loading);
        var serviceId = loading.GetProperty("experiment").GetProperty("serviceId").GetGuid();

        await cluster.StopControllerAsync();
        var stopped = DateTime.UtcNow;

        // Not a crash, not a failure: the service's state is unknown, with the reason, and the experiment says so.
        JsonElement service = default;
        Assert.True(await EventuallyAsync(async () =>
            (service = await GetJsonAsync(host.Client, $"/api/v1/services/{serviceId}")).GetProperty("status").GetString() == "unknown", Outage),
            $"the service is not unknown while slurmctld is down: {service}");
        var unknownAfter = DateTime.UtcNow - stopped;
        var unknownReason = service.GetProperty("reason").GetString();
        Assert.Contains("does not answer", unknownReason);
        JsonElement experiment = default;
        Assert.True(await EventuallyAsync(async () =>
            (experiment = await GetAsync(host.Client,
                id)).GetProperty("experiment").GetProperty("reason").GetString()?.Contains("scheduler does not answer", StringComparison.Ordinal)
                    == true,
            stopped + Outage - DateTime.UtcNow), $"the experiment does not say the scheduler is down: {experiment}");
        var downReason = experiment.GetProperty("experiment").GetProperty("reason").GetString();
        Assert.Equal("running", Status(experiment));
        Assert.Equal("loading", Stage(experiment));
        Assert.False(host.Process.HasExited, "aibench exited while slurmctld was down");
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/ready", Ct)).StatusCode);

        var rest = stopped + Outage - DateTime.UtcNow;
        if (rest > TimeSpan.Zero) await Task.Delay(rest, Ct);
        var back = DateTime.UtcNow;
        await cluster.StartControllerAsync();

        // Back by itself: the service is ready again and the experiment's reason no longer speaks of the outage.
        Assert.True(await EventuallyAsync(async () =>
            (service = await GetJsonAsync(host.Client, $"/api/v1/services/{serviceId}")).GetProperty("status").GetString() is "ready" or "cancelled",
                TimeSpan.FromSeconds(60)),
            $"the service did not come back after slurmctld did: {service}");
        var readyAfter = DateTime.UtcNow - back;
        Assert.True(await EventuallyAsync(async () =>
            (experiment = await GetAsync(host.Client,
                id)).GetProperty("experiment").GetProperty("reason").GetString()?.StartsWith("the scheduler does not answer",
                    StringComparison.Ordinal) != true,
            TimeSpan.FromSeconds(30)), $"the experiment still speaks of the outage: {experiment}");
        var done = await WaitEndAsync(host.Client, id, TimeSpan.FromMinutes(3));
        Assert.True(Status(done) == "completed", done.ToString());
        Assert.Contains(service.GetProperty("transitions").EnumerateArray(), t => t.GetProperty("status").GetString() == "unknown");

        // The load never stopped: every request of the plan was sent, answered and kept once.
        AssertCountWithinPlan(done, Rate, Seconds, 1);
        Assert.Equal(0, done.GetProperty("result").GetProperty("overall").GetProperty("failed").GetInt64());
        await AssertNothingLostAsync(host.Client, done);
        await AssertNoJobLeftAsync([serviceId, done.GetProperty("experiment").GetProperty("benchmarkId").GetGuid()], TimeSpan.FromSeconds(60),
            cluster.Conf);
        TestContext.Current.TestOutputHelper?.WriteLine($"slurmctld drill: unknown {unknownAfter.TotalSeconds:0.0} s after the stop "
            + $"({unknownReason}), " +
            $"experiment reason while down: {downReason}; ready {readyAfter.TotalSeconds:0.0} s after slurmctld was started; " +
            $"{done.GetProperty("experiment").GetProperty("reason").GetString()}");
    }
}
