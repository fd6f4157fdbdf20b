// Long file: one abstract class of deployment tests that run alike on local processes, SLURM and slurmrestd, with their per-scheduler checks.
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aibench.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Aibench.Tests.Server;

/// <summary>
/// Deploying for real: a recipe becomes a job on the scheduler, its tasks announce endpoints, the endpoints answer,
/// and cancelling ends the job. The same tests run on local processes and on the 4-node SLURM test cluster.
/// </summary>
public abstract class DeploymentTests
{
    protected abstract string Scheduler { get; }

    protected virtual string? SkipReason => null;

    protected virtual IDictionary<string, string?>? ExtraSettings => null;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    protected ServerHost Start(string? home = null)
    {
        Assert.SkipWhen(SkipReason is not null, SkipReason ?? "");
        return ServerHost.Start(Scheduler, home, ExtraSettings);
    }

    [Fact]
    public async Task A_replicas_recipe_on_four_nodes_gets_four_answering_endpoints_and_cancel_ends_it()
    {
        await using var host = Start();
        var deployed = await host.DeployAsync(new { recipe = "http-server", nodes = 4 });
        var id = deployed.GetProperty("id").GetGuid();
        try
        {
            var ready = await host.WaitAsync(id, s => ServerHost.StatusIs(s, "ready", "failed"), Patience);
            Assert.Equal("ready", ready.GetProperty("status").GetString());
            var endpoints = ready.GetProperty("endpoints").EnumerateArray().ToList();
            Assert.Equal(4, endpoints.Count);
            Assert.Equal([0, 1, 2, 3], endpoints.Select(e => e.GetProperty("task").GetInt32()));
            using var http = new HttpClient();
            foreach (var endpoint in endpoints)
            {
                var answer = await http.GetAsync(endpoint.GetProperty("url").GetString() + "/job.sh", Ct);
                Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            }

            // Other modules learn the endpoints through the Contracts query, not the Server module's tables.
            var sender = host.Factory.Services.GetRequiredService<Mediator.ISender>();
            var contract = await sender.Send(new Aibench.Contracts.Server.GetServiceEndpoints(id), Ct);
            Assert.Equal(endpoints.Select(e => e.GetProperty("url").GetString()), contract!.Endpoints.Select(e => e.Url));

            Assert.Equal(["pending", "queued", "starting", "ready"],
                ready.GetProperty("transitions").EnumerateArray().Select(t => t.GetProperty("status").GetString()).Distinct());
            var jobId = ready.GetProperty("jobId").GetString()!;
            await AssertJobRunningAsync(jobId, ready);

            var cancel = await host.Client.DeleteAsync($"/api/v1/services/{id}", Ct);
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
            var again = await host.Client.DeleteAsync($"/api/v1/services/{id}", Ct);
            Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
            Assert.Equal("cancelled", (await host.ServiceAsync(id)).GetProperty("status").GetString());
            await AssertJobEndsAsync(jobId, ready);
        }
        finally
        {
            await host.Client.DeleteAsync($"/api/v1/services/{id}", Ct);
        }
    }

    [Fact]
    public async Task The_simulator_recipe_on_four_nodes_serves_the_openai_api_from_every_replica_and_takes_load_on_each()
    {
        await using var host = Start();
        var id = (await host.DeployAsync(new { recipe = "vllm-sim", nodes = 4, parameters = new { served_model_name = "llama-sim" }
            })).GetProperty("id").GetGuid();
        try
        {
            var ready = await host.WaitAsync(id, s => ServerHost.StatusIs(s, "ready", "failed"), Patience);
            Assert.True(ServerHost.StatusIs(ready, "ready"), ready.ToString());
            var endpoints = ready.GetProperty("endpoints").EnumerateArray().Select(e => e.GetProperty("url").GetString()!).ToList();
            Assert.Equal(4, endpoints.Count);
            using var http = new HttpClient();
            foreach (var url in endpoints)
            {
                var models = await http.GetFromJsonAsync<JsonElement>(url + "/v1/models", Ct);
                Assert.Equal("llama-sim", models.GetProperty("data")[0].GetProperty("id").GetString());
            }

            // Load through the Client module: it finds the replicas through the Server module and the model by asking.
            var started = await host.Client.PostAsJsonAsync("/api/v1/benchmarks", new
            {
                service = id, load = new { kind = "concurrency", concurrency = 8 }, maxRequests = 40, dataset = "random:input=32,output=4",
            }, Ct);
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
            var benchmark = (await started.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
            JsonElement run;
            var until = DateTime.UtcNow + Patience;
            do
            {
                await Task.Delay(250, Ct);
                run = (await host.Client.GetFromJsonAsync<JsonElement>($"/api/v1/benchmarks/{benchmark}", Ct)).GetProperty("run");
            }
            while (run.GetProperty("status").GetString() is "pending" or "running" && DateTime.UtcNow < until);

            Assert.Equal("completed", run.GetProperty("status").GetString());
            Assert.Equal("llama-sim", run.GetProperty("model").GetString());
            Assert.Equal(40, run.GetProperty("completed").GetInt64());
            var requests = (await host.Client.GetStringAsync($"/api/v1/benchmarks/{benchmark}/export?format=jsonl", Ct))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("endpoint").GetInt32());
            Assert.Equal([0, 1, 2, 3], requests.Distinct().Order());
        }
        finally
        {
            await host.Client.DeleteAsync($"/api/v1/services/{id}", Ct);
        }
    }

    [Fact]
    public async Task A_service_that_never_answers_its_probe_fails_at_its_readiness_timeout_and_its_job_ends()
    {
        await using var host = Start();
        var id = (await host.DeployAsync(new { recipe = "never-ready" })).GetProperty("id").GetGuid();
        var failed = await host.WaitAsync(id, s => ServerHost.StatusIs(s, "failed", "ready"), Patience);

        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Contains("readiness timeout after 4s", failed.GetProperty("reason").GetString());
        Assert.Contains("/not-there", failed.GetProperty("reason").GetString());
        await AssertJobEndsAsync(failed.GetProperty("jobId").GetString()!, failed);
    }

    [Fact]
    public async Task A_job_that_fails_at_start_is_failed_with_its_exit_code_and_stderr_and_not_restarted()
    {
        await using var host = Start();
        // A restart policy does not apply: a job that fails before it ever answered would fail the same way again.
        var id = (await host.DeployAsync(new { recipe = "fails-at-start", restart = new { max = 2, backoff = "1s" } })).GetProperty("id").GetGuid();
        var failed = await host.WaitAsync(id, s => ServerHost.StatusIs(s, "failed", "ready", "completed", "restarting"), Patience);

        Assert.Equal("failed", failed.GetProperty("status").GetString());
        var reason = failed.GetProperty("reason").GetString()!;
        Assert.Contains("exit code 3", reason);
        Assert.Contains("task-0.err", reason);
        Assert.Contains("CUDA out of memory (simulated)", reason);
        Assert.Contains("not restarted: it failed before it ever answered", reason);
        var attempt = Assert.Single(failed.GetProperty("attempts").EnumerateArray());
        Assert.False(attempt.GetProperty("restarted").GetBoolean());
        Assert.Contains("CUDA out of memory (simulated)", attempt.GetProperty("lastLines").GetString());
        Assert.Equal(2, failed.GetProperty("restart").GetProperty("max").GetInt32());
    }

    [Fact]
    public async Task Hostile_parameter_values_reach_the_program_as_plain_text()
    {
        await using var host = Start();
        var marker = Path.Combine(Path.GetTempPath(), $"aibench-pwned-{Guid.NewGuid():N}");
        var hostile = $"$(touch {marker}); `touch {marker}`; echo \"it's\" > {marker} | true & ${{IFS}}";
        var id = (await host.DeployAsync(new
            { recipe = "http-server", nodes = 1, parameters = new { greeting = hostile } })).GetProperty("id").GetGuid();
        try
        {
            var ready = await host.WaitAsync(id, s => ServerHost.StatusIs(s, "ready", "failed"), Patience);
            Assert.Equal("ready", ready.GetProperty("status").GetString());
            var output = await File.ReadAllTextAsync(Path.Combine(ready.GetProperty("runFolder").GetString()!, "task-0.out"), Ct);
            Assert.Contains($"greeting={hostile}\n", output);
            Assert.False(File.Exists(marker), "a command in a parameter value ran");
            Assert.Equal(hostile, ready.GetProperty("parameters").GetProperty("greeting").GetString());
        }
        finally
        {
            await host.Client.DeleteAsync($"/api/v1/services/{id}", Ct);
        }
    }

    [Fact]
    public async Task A_service_deployed_before_a_restart_is_still_tracked_and_becomes_ready()
    {
        Assert.SkipWhen(SkipReason is not null, SkipReason ?? "");
        var home = Path.Combine(Directory.CreateTempSubdirectory("aibench-restart-").FullName, "home");
        Guid id;
        await using (var before = Start(home))
        {
            id = (await before.DeployAsync(new { recipe = "http-server", nodes = 2 })).GetProperty("id").GetGuid();
            // Stop once the job is submitted: the new host must pick it up, not submit it again.
            await before.WaitAsync(id, s => ServerHost.StatusIs(s, "queued", "starting", "ready"), Patience);
        }

        await using var after = Start(home);
        try
        {
            var ready = await after.WaitAsync(id, s => ServerHost.StatusIs(s, "ready", "failed"), Patience);
            Assert.Equal("ready", ready.GetProperty("status").GetString());
            Assert.Equal(2, ready.GetProperty("endpoints").GetArrayLength());
            await AssertSubmittedOnceAsync(ready);
        }
        finally
        {
            await after.Client.DeleteAsync($"/api/v1/services/{id}", Ct);
        }
    }

    [Fact]
    public async Task Cancelling_an_unknown_service_is_404_and_deploying_an_unknown_recipe_names_the_field()
    {
        await using var host = Start();
        var missing = await host.Client.DeleteAsync($"/api/v1/services/{Guid.NewGuid()}", Ct);
        await Problem.ReadAsync(missing, HttpStatusCode.NotFound);

        var response = await host.Client.PostAsync("/api/v1/services",
            new StringContent("""{"recipe":"no-such-recipe"}""", System.Text.Encoding.UTF8, "application/json"), Ct);
        var problem = await Problem.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("no-such-recipe", Problem.FieldErrors(problem, "recipe")[0]);
    }

    [Fact]
    public async Task Services_of_a_job_array_run_at_most_its_throttle_at_once_and_the_next_starts_when_one_ends()
    {
        await using var host = Start();
        var array = Guid.NewGuid();
        var ids = new List<Guid>();
        try
        {
            for (var index = 0; index < 3; index++)
            {
                ids.Add((await host.DeployAsync(new { recipe = "http-server", nodes = 1, array = new { id = array, index, size = 3, throttle = 2 } }))
                    .GetProperty("id").GetGuid());
            }

            // Two run; the third is held by the throttle (the scheduler's, or aibench's without arrays), not by resources.
            JsonElement[] seen = [];
            var until = DateTime.UtcNow + Patience;
            while (DateTime.UtcNow < until)
            {
                seen = await Task.WhenAll(ids.Select(host.ServiceAsync));
                if (seen.Count(s => ServerHost.StatusIs(s, "ready")) == 2 && ServerHost.StatusIs(seen[2], "pending", "queued")) break;
                await Task.Delay(250, Ct);
            }

            Assert.True(seen.Take(2).All(s => ServerHost.StatusIs(s, "ready")) && ServerHost.StatusIs(seen[2], "pending", "queued"),
                string.Join("\n", seen.Select(s => s.ToString())));
            // Held, and still held a few polls later: the throttle holds, not a slow start.
            await Task.Delay(TimeSpan.FromSeconds(3), Ct);
            var third = await host.ServiceAsync(ids[2]);
            Assert.True(ServerHost.StatusIs(third, "pending", "queued"), third.ToString());
            await AssertArrayHeldAsync([.. seen.Take(2)], third);

            // One ends: the held one starts in its slot.
            Assert.Equal(HttpStatusCode.Accepted, (await host.Client.DeleteAsync($"/api/v1/services/{ids[0]}", Ct)).StatusCode);
            var started = await host.WaitAsync(ids[2], s => ServerHost.StatusIs(s, "ready", "failed"), Patience);
            Assert.Equal("ready", started.GetProperty("status").GetString());
            await AssertJobRunningOnAnyNodeAsync(started.GetProperty("jobId").GetString()!);
        }
        finally
        {
            foreach (var id in ids) await host.Client.DeleteAsync($"/api/v1/services/{id}", Ct);
        }
    }

    /// <summary>Two services of an array run and the third is held: how the scheduler shows it.</summary>
    protected abstract Task AssertArrayHeldAsync(JsonElement[] running, JsonElement held);

    protected abstract Task AssertJobRunningOnAnyNodeAsync(string jobId);

    protected abstract Task AssertJobRunningAsync(string jobId, JsonElement service);

    protected abstract Task AssertJobEndsAsync(string jobId, JsonElement service);

    protected abstract Task AssertSubmittedOnceAsync(JsonElement service);
}

[Collection(nameof(HostCollection))]
public sealed class LocalDeploymentTests : DeploymentTests
{
    protected override string Scheduler => "local";

    protected override Task AssertJobRunningAsync(string jobId, JsonElement service)
    {
        Assert.StartsWith("local-", jobId);
        Assert.Equal("local", service.GetProperty("scheduler").GetString());
        return Task.CompletedTask;
    }

    protected override async Task AssertJobEndsAsync(string jobId, JsonElement service)
    {
        // Every task process is gone: none still serves its port.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var until = DateTime.UtcNow.AddSeconds(20);
        foreach (var endpoint in service.GetProperty("endpoints").EnumerateArray())
        {
            while (true)
            {
                try
                {
                    await http.GetAsync(endpoint.GetProperty("url").GetString(), Ct);
                }
                catch (HttpRequestException)
                {
                    break;
                }

                Assert.True(DateTime.UtcNow < until, "a task still answers after cancel");
                await Task.Delay(200, Ct);
            }
        }
    }

    protected override Task AssertArrayHeldAsync(JsonElement[] running, JsonElement held)
    {
        // No arrays here: each service is a job of its own, and aibench holds the third back.
        Assert.All(running, s => Assert.StartsWith("local-", s.GetProperty("jobId").GetString()));
        Assert.Equal("pending", held.GetProperty("status").GetString());
        Assert.Contains("held by its array's throttle", held.GetProperty("reason").GetString());
        return Task.CompletedTask;
    }

    protected override Task AssertJobRunningOnAnyNodeAsync(string jobId)
    {
        Assert.StartsWith("local-", jobId);
        return Task.CompletedTask;
    }

    protected override Task AssertSubmittedOnceAsync(JsonElement service)
    {
        var state = Path.Combine(service.GetProperty("runFolder").GetString()!, "local");
        Assert.Equal(2, Directory.GetFiles(state, "pid-*").Length);
        return Task.CompletedTask;
    }
}

/// <summary>The SLURM backends, checked against squeue on the test cluster.</summary>
public abstract class ClusterDeploymentTests : DeploymentTests
{
    protected override string? SkipReason => SlurmCluster.Unavailable();

    protected override async Task AssertJobRunningAsync(string jobId, JsonElement service)
    {
        Assert.Equal("RUNNING", await SlurmCluster.StateAsync(jobId));
        Assert.Equal($"node[1-{SlurmCluster.Nodes}]", service.GetProperty("nodeList").GetString());
    }

    protected override async Task AssertJobEndsAsync(string jobId, JsonElement service)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        string? state;
        while ((state = await SlurmCluster.StateAsync(jobId)) is "RUNNING" or "COMPLETING" && DateTime.UtcNow < until)
        {
            await Task.Delay(250, Ct);
        }

        Assert.True(state is null or "CANCELLED", $"job {jobId} is {state} after cancel");
    }

    protected override async Task AssertArrayHeldAsync(JsonElement[] running, JsonElement held)
    {
        // One sbatch --array: the tasks' ids are <array>_<index>, and SLURM holds the third for the array's task limit.
        var ids = running.Append(held).Select(s => s.GetProperty("jobId").GetString()!).ToArray();
        var array = ids[0].Split('_')[0];
        Assert.Equal([$"{array}_0", $"{array}_1", $"{array}_2"], ids);
        Assert.Equal("RUNNING", await SlurmCluster.StateAsync(ids[0]));
        Assert.Equal("RUNNING", await SlurmCluster.StateAsync(ids[1]));
        Assert.Equal("PENDING", await SlurmCluster.StateAsync(ids[2]));
        Assert.Equal("queued", held.GetProperty("status").GetString());
        Assert.Contains("JobArrayTaskLimit", held.GetProperty("reason").GetString());
        // Each task's output is in its own service's run folder, named by its job id, as a job of its own has it.
        Assert.True(File.Exists(Path.Combine(running[0].GetProperty("runFolder").GetString()!, $"slurm-{ids[0]}.out")),
            $"no slurm-{ids[0]}.out in {running[0].GetProperty("runFolder").GetString()}");
    }

    protected override async Task AssertJobRunningOnAnyNodeAsync(string jobId) => Assert.Equal("RUNNING", await SlurmCluster.StateAsync(jobId));

    protected override async Task AssertSubmittedOnceAsync(JsonElement service)
    {
        var name = $"aibench-http-server-{service.GetProperty("id").GetGuid():N}";
        Assert.Single(await SlurmCluster.JobIdsNamedAsync(name));
    }

    [Fact]
    public async Task More_nodes_than_the_cluster_has_is_refused_or_shown_pending_with_a_reason()
    {
        await using var host = Start();
        var id = (await host.DeployAsync(new { recipe = "http-server", nodes = SlurmCluster.Nodes + 1 })).GetProperty("id").GetGuid();
        try
        {
            var seen = await host.WaitAsync(id, s => ServerHost.StatusIs(s, "failed")
                || (ServerHost.StatusIs(s, "queued") && s.GetProperty("reason").GetString() is not (null or "submitted")), Patience);
            Assert.False(string.IsNullOrEmpty(seen.GetProperty("reason").GetString()));
        }
        finally
        {
            await host.Client.DeleteAsync($"/api/v1/services/{id}", Ct);
        }
    }

    [Fact]
    public async Task A_missing_partition_fails_with_slurms_message()
    {
        await using var host = Start();
        var id = (await host.DeployAsync(new { recipe = "wrong-partition" })).GetProperty("id").GetGuid();
        var failed = await host.WaitAsync(id, s => ServerHost.StatusIs(s, "failed", "queued", "starting"), Patience);
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Contains("partition", failed.GetProperty("reason").GetString(), StringComparison.OrdinalIgnoreCase);
    }
}

[Collection(nameof(HostCollection))]
public sealed class SlurmDeploymentTests : ClusterDeploymentTests
{
    protected override string Scheduler => "slurm";
}

[Collection(nameof(HostCollection))]
public sealed class SlurmRestDeploymentTests : ClusterDeploymentTests
{
    protected override string Scheduler => "slurm-rest";

    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Scheduler:Rest:Socket"] = Environment.GetEnvironmentVariable("AIBENCHTEST_SLURMRESTD_SOCKET"),
        ["Scheduler:Rest:ApiVersion"] = "v0.0.38",
    };
}
