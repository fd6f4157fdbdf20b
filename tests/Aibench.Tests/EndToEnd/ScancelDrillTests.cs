using System.Text.Json;
using Aibench.Tests.Infrastructure;
using static Aibench.Tests.EndToEnd.Drills;
using static Aibench.Tests.Experiments.ExperimentDriver;

namespace Aibench.Tests.EndToEnd;

/// <summary>
/// Failure drill (issue #15): someone runs <c>scancel</c> on an experiment's service job behind aibench's back, while
/// the load runs. docs/reliability.md, "Failure drills".
/// </summary>
public sealed class ScancelDrillTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("aibench-drill-scancel-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public async Task A_service_job_cancelled_with_scancel_shows_cancelled_outside_aibench_and_fails_the_experiment_keeping_what_was_measured()
    {
        Assert.SkipWhen(SlurmCluster.Unavailable() is not null, SlurmCluster.Unavailable() ?? "");
        await using var host = await DrillHost.StartAsync(Path.Combine(_temp.FullName, "home"), AibenchProcess.FreePort());
        var id = await CreateAsync(host.Client, LatencyExperiment("drill: scancel", 2, 4, "60s"));
        var loading = await MeasuringAsync(host.Client, id, TimeSpan.FromMinutes(3));
        AssertMeasuring(loading);
        var serviceId = loading.GetProperty("experiment").GetProperty("serviceId").GetGuid();
        var jobId = (await GetJsonAsync(host.Client, $"/api/v1/services/{serviceId}")).GetProperty("jobId").GetString()!;

        await SlurmCluster.CancelAsync(jobId);

        var done = await WaitEndAsync(host.Client, id, TimeSpan.FromMinutes(2));
        var service = await GetJsonAsync(host.Client, $"/api/v1/services/{serviceId}");
        Assert.Equal("cancelled", service.GetProperty("status").GetString());
        Assert.StartsWith("cancelled outside aibench (scancel or the site)", service.GetProperty("reason").GetString());

        // Failed, not cancelled: "cancelled" is what the user asked aibench for; this is a failure of the service.
        Assert.True(Status(done) == "failed", done.ToString());
        var reason = done.GetProperty("experiment").GetProperty("reason").GetString()!;
        Assert.StartsWith("the service was stopped: cancelled outside aibench (scancel or the site)", reason);
        Assert.EndsWith("during the loading", reason);
        Assert.Equal(["deploying", "waiting", "warmup", "loading", "stopping", "failed"], Stages(done));

        // What was measured until then is kept, marked partial, with every request once.
        var result = done.GetProperty("result");
        Assert.True(result.GetProperty("partial").GetBoolean(), result.ToString());
        await AssertNothingLostAsync(host.Client, done);
        await AssertNoJobLeftAsync([serviceId, result.GetProperty("benchmarkId").GetGuid()], TimeSpan.FromSeconds(60));
        var overall = result.GetProperty("overall");
        TestContext.Current.TestOutputHelper?.WriteLine($"scancel drill: {overall.GetProperty("completed").GetInt64()} completed, " +
            $"{overall.GetProperty("failed").GetInt64()} failed before the job went; reason: {reason}");
    }
}
