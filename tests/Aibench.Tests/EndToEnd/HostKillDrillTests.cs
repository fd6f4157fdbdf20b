using System.Net.Http.Json;
using System.Text.Json;
using Aibench.Tests.Infrastructure;
using static Aibench.Tests.EndToEnd.Drills;
using static Aibench.Tests.Experiments.ExperimentDriver;

namespace Aibench.Tests.EndToEnd;

/// <summary>
/// Failure drill (issue #15): the host is killed with <c>kill -9</c> while an experiment's load runs from SLURM
/// load-generator workers, and started again on the same home. docs/reliability.md, "Failure drills".
/// </summary>
public sealed class HostKillDrillTests : IDisposable
{
    private const double Rate = 6;
    private const int Seconds = 30;
    private const int WorkerNodes = 2;
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("aibench-drill-kill-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public async Task A_host_killed_during_the_load_comes_back_cancels_the_old_workers_and_completes_the_experiment_with_nothing_lost()
    {
        Assert.SkipWhen(SlurmCluster.Unavailable() is not null, SlurmCluster.Unavailable() ?? "");
        var home = Path.Combine(_temp.FullName, "home");
        var port = AibenchProcess.FreePort();
        var request = LatencyExperiment("drill: host killed", 2, Rate, $"{Seconds}s", WorkerNodes);

        Guid id, killedRun;
        string killedJob;
        await using (var first = await DrillHost.StartAsync(home, port))
        {
            id = await CreateAsync(first.Client, request);
            // Mid-experiment: the workers are measuring (their first answers are in).
            var loading = await MeasuringAsync(first.Client, id, TimeSpan.FromMinutes(4));
            AssertMeasuring(loading);
            killedRun = loading.GetProperty("experiment").GetProperty("benchmarkId").GetGuid();
            var job = Assert.Single(await SlurmCluster.JobsNamedAsync([killedRun.ToString("N")]));
            Assert.Equal("RUNNING", job.State);
            killedJob = job.Id;

            await first.Process.KillHardAsync();
        }

        // A killed host cancels nothing: its workers go on loading the service until the next host cleans up.
        Assert.Equal("RUNNING", await SlurmCluster.StateAsync(killedJob));

        await using var second = await DrillHost.StartAsync(home, port);
        var restarted = DateTime.UtcNow;
        // An undisturbed twin of the same plan on the same host, alongside: the rerun must match its shape.
        var twin = await CreateAsync(second.Client, LatencyExperiment("drill: undisturbed twin", 2, Rate, $"{Seconds}s", WorkerNodes));

        // Cancelled, not left to run its plan out (it would then end COMPLETED, having loaded the service alongside the rerun).
        Assert.True(await EventuallyAsync(async () => await SlurmCluster.StateAsync(killedJob) is null or "CANCELLED", TimeSpan.FromSeconds(60)),
            $"the killed host's worker job {killedJob} is {await SlurmCluster.StateAsync(killedJob)}, not cancelled, 60 s after the restart");
        var cancelledAfter = DateTime.UtcNow - restarted;

        var done = await WaitEndAsync(second.Client, id, TimeSpan.FromMinutes(5));
        var undisturbed = await WaitEndAsync(second.Client, twin, TimeSpan.FromMinutes(3));
        Assert.True(Status(done) == "completed", done.ToString());
        Assert.True(Status(undisturbed) == "completed", undisturbed.ToString());

        // The load ran again from the beginning, and the cut run says why it ended and that its workers were stopped.
        Assert.Equal(2, done.GetProperty("definition").GetProperty("loadAttempts").GetInt32());
        Assert.Contains(done.GetProperty("stages").EnumerateArray(), s => s.GetProperty("note").GetString() is { } note
            && note.Contains("host restart", StringComparison.Ordinal));
        var cut = (await GetJsonAsync(second.Client, $"/api/v1/benchmarks/{killedRun}")).GetProperty("run");
        Assert.Equal("failed", cut.GetProperty("status").GetString());
        Assert.Contains($"its load-generator job {killedJob} was cancelled", cut.GetProperty("error").GetString());

        // Same shape as the undisturbed run: same fields, same steps, one worker breakdown per worker, and the request
        // count the plan fixes; nothing lost or doubled in either.
        Assert.Equal(Shape(undisturbed.GetProperty("result")), Shape(done.GetProperty("result")));
        foreach (var run in new[] { done, undisturbed })
        {
            AssertCountWithinPlan(run, Rate, Seconds, WorkerNodes);
            Assert.Equal(0, run.GetProperty("result").GetProperty("overall").GetProperty("failed").GetInt64());
            await AssertNothingLostAsync(second.Client, run);
            var benchmark = await GetJsonAsync(second.Client,
                $"/api/v1/benchmarks/{run.GetProperty("experiment").GetProperty("benchmarkId").GetGuid()}");
            Assert.Equal(WorkerNodes, benchmark.GetProperty("summary").GetProperty("workers").GetArrayLength());
        }

        Guid[] ids = [killedRun, .. new[] { done, undisturbed }.SelectMany(d => new[]
        {
            d.GetProperty("experiment").GetProperty("serviceId").GetGuid(), d.GetProperty("experiment").GetProperty("benchmarkId").GetGuid(),
        })];
        await AssertNoJobLeftAsync(ids, TimeSpan.FromSeconds(60));
        TestContext.Current.TestOutputHelper?.WriteLine($"host kill drill: old worker job cancelled {cancelledAfter.TotalSeconds:0.0} s "
            + $"after the restart; " +
            $"rerun {Describe(done)}; undisturbed {Describe(undisturbed)}");
    }

    [Fact]
    public async Task Workers_a_restarted_host_could_not_cancel_are_cancelled_at_the_next_start()
    {
        Assert.SkipWhen(SlurmCluster.Unavailable() is not null, SlurmCluster.Unavailable() ?? "");
        var home = Path.Combine(_temp.FullName, "home");
        var port = AibenchProcess.FreePort();

        Guid service, run;
        string job;
        await using (var first = await DrillHost.StartAsync(home, port))
        {
            service = (await PostAsync(first.Client, "/api/v1/services", new { recipe = Recipe, nodes = 1 })).GetProperty("id").GetGuid();
            Assert.True(await EventuallyAsync(async ()
                => (await GetJsonAsync(first.Client, $"/api/v1/services/{service}")).GetProperty("status").GetString() == "ready",
                TimeSpan.FromMinutes(2)), "the service did not get ready");
            run = (await PostAsync(first.Client, "/api/v1/benchmarks", new
            {
                service, duration = "3m", dataset = "random:input=32,output=8", load = new { kind = "rate", rate = 2 },
                placement = new { kind = "slurm", nodes = 1 },
            })).GetProperty("id").GetGuid();
            SlurmCluster.Job[] jobs = [];
            Assert.True(await EventuallyAsync(async () => (jobs = await SlurmCluster.JobsNamedAsync([run.ToString("N")])) is [{ State: "RUNNING" }],
                TimeSpan.FromMinutes(2)),
                $"the worker job does not run: {string.Join(", ", jobs.Select(j => $"{j.Id} {j.State}"))}");
            job = jobs[0].Id;
            await first.Process.KillHardAsync();
        }

        // The next start cannot reach SLURM: the run stays running (the note that its workers may still run) and the
        // host says it will try again; then this host dies too, before SLURM is back.
        await using (var second = await DrillHost.StartAsync(home, port, "/nonexistent/slurm.conf", "Scheduler:Retries=0"))
        {
            Assert.True(await EventuallyAsync(()
                => Task.FromResult(second.Process.Stderr.Contains("could not be cancelled yet", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(60)), $"no retry announced:\n{second.Process.Stderr}");
            var waiting = (await GetJsonAsync(second.Client, $"/api/v1/benchmarks/{run}")).GetProperty("run");
            Assert.True(waiting.GetProperty("status").GetString() == "running",
                $"the run did not wait for its workers' cancel: {waiting}\n{second.Process.Stderr}");
            await second.Process.KillHardAsync();
        }

        var state = await SlurmCluster.StateAsync(job);
        Assert.True(state == "RUNNING", $"worker job {job} is {state ?? "gone"} after the second host; its workers said:\n{WorkerOutput(home, run)}");

        await using var third = await DrillHost.StartAsync(home, port);
        Assert.True(await EventuallyAsync(async () => await SlurmCluster.StateAsync(job) is null or "CANCELLED", TimeSpan.FromSeconds(60)),
            $"worker job {job} is {await SlurmCluster.StateAsync(job)}, not cancelled, 60 s after the third start");
        JsonElement ended = default;
        Assert.True(await EventuallyAsync(async () =>
            (ended = (await GetJsonAsync(third.Client, $"/api/v1/benchmarks/{run}")).GetProperty("run")).GetProperty("status").GetString()
                == "failed",
            TimeSpan.FromSeconds(30)), ended.ToString());
        Assert.Contains($"its load-generator job {job} was cancelled", ended.GetProperty("error").GetString());

        Assert.Equal(System.Net.HttpStatusCode.Accepted, (await third.Client.DeleteAsync($"/api/v1/services/{service}", Ct)).StatusCode);
        await AssertNoJobLeftAsync([service, run], TimeSpan.FromSeconds(60));
    }

    /// <summary>The last lines of each worker's output, for a failure message.</summary>
    private static string WorkerOutput(string home, Guid run)
    {
        var folder = Path.Combine(home, "runs", run.ToString());
        return !Directory.Exists(folder) ? "(no run folder)" : string.Join("\n", Directory.GetFiles(folder, "task-*.*").Order(StringComparer.Ordinal)
            .Select(f => $"{f}:\n  {string.Join("\n  ", File.ReadLines(f).TakeLast(8))}"));
    }

    private static string Describe(JsonElement done)
    {
        var o = done.GetProperty("result").GetProperty("overall");
        return $"{o.GetProperty("completed").GetInt64()} completed, {o.GetProperty("failed").GetInt64()} failed, TTFT p50 "
            + $"{o.GetProperty("ttftP50Ms")} ms";
    }
}
