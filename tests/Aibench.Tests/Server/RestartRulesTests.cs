using Aibench.Contracts.Server;
using Aibench.Server.Lifecycle;
using Aibench.Server.Persistence;

namespace Aibench.Tests.Server;

/// <summary>Which ends of a job start another attempt, and what the service says when one does not.</summary>
public sealed class RestartRulesTests
{
    [Theory]
    [InlineData("NODE_FAIL", false, true)]
    [InlineData("BOOT_FAIL", false, true)]
    [InlineData("PREEMPTED", false, true)]
    [InlineData("FAILED", true, true)]
    [InlineData("FAILED", false, false)]
    [InlineData("OUT_OF_MEMORY", true, false)]
    [InlineData("CANCELLED", true, false)]
    [InlineData("TIMEOUT", true, false)]
    [InlineData("COMPLETED", true, false)]
    public void Only_ends_a_new_attempt_could_mend_are_retryable(string state, bool wasReady, bool retryable)
    {
        var end = Restarts.Classify(state, null, "1:0", "node2", wasReady, "10", null);
        Assert.Equal(retryable, end.Retryable);
        Assert.True(retryable || end.WhyNot is not null, "a service with a policy says why it was not restarted");
    }

    [Fact]
    public void A_restart_is_taken_while_the_policy_has_some_left_and_then_the_reason_says_they_are_used()
    {
        var service = new ServiceRecord { Recipe = "vllm", RestartMax = 2, Attempt = 1 };
        var nodeFailed = Restarts.Classify("NODE_FAIL", null, null, "node3", true, null, null);
        Assert.True(Restarts.Restart(service, nodeFailed));
        service.Attempt = 3;
        Assert.False(Restarts.Restart(service, nodeFailed));
        Assert.EndsWith("not restarted: all 2 restart(s) used", Restarts.Final(service, nodeFailed), StringComparison.Ordinal);

        var oom = Restarts.Classify("OUT_OF_MEMORY", null, null, "node3", true, null, null);
        service.Attempt = 1;
        Assert.False(Restarts.Restart(service, oom));
        Assert.Contains("not restarted: it would run out of memory again", Restarts.Final(service, oom), StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_policy_nothing_restarts_and_the_reason_is_unchanged()
    {
        // Rows stored before restarts existed read as attempt 0 or 1 with no policy: never restarted.
        foreach (var attempt in new[] { 0, 1 })
        {
            var service = new ServiceRecord { Recipe = "vllm", RestartMax = 0, Attempt = attempt };
            var end = Restarts.Classify("NODE_FAIL", null, null, "node1", true, null, null);
            Assert.False(Restarts.Restart(service, end));
            Assert.Equal(end.Reason, Restarts.Final(service, end));
        }
    }

    [Fact]
    public void A_ready_replica_is_lost_after_six_silent_seconds()
    {
        var now = DateTimeOffset.Parse("2026-12-07T08:00:00Z");
        Assert.False(Restarts.Lost(null, now));
        Assert.False(Restarts.Lost(now.AddSeconds(-5), now));
        Assert.True(Restarts.Lost(now.AddSeconds(-6), now));
        var end = Restarts.LostReplica(1, "node2", "/health", TimeSpan.FromSeconds(6), null);
        Assert.True(end.Retryable);
        Assert.Equal(ServiceStatus.Failed, end.Status);
        Assert.Contains("replica 1 on node2 stopped answering /health", end.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1, null, "restart.max")]
    [InlineData(11, null, "restart.max")]
    [InlineData(null, "30s", "restart.max")]
    [InlineData(1, "tomorrow", "restart.backoff")]
    [InlineData(1, "61m", "restart.backoff")]
    public void A_bad_policy_names_its_field(int? max, string? backoff, string field)
    {
        var failures = new List<string>();
        Assert.Null(RecipeRestart.Check(max, backoff, "restart", (f, _) => failures.Add(f)));
        Assert.Contains(field, failures);
    }

    [Fact]
    public void The_next_attempt_moves_the_previous_jobs_files_aside_and_gets_its_own_job_name()
    {
        var run = Directory.CreateTempSubdirectory("aibench-test-attempt-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(run, "endpoints"));
            File.WriteAllText(Path.Combine(run, "endpoints", "0.json"), "{}");
            File.WriteAllText(Path.Combine(run, "task-0.err"), "line 1\nKilled\n");
            File.WriteAllText(Path.Combine(run, "submitted"), "41");
            File.WriteAllText(Path.Combine(run, "job.sh"), "#!/bin/bash\n#SBATCH --job-name=aibench-vllm-x\n#SBATCH --nodes=2\nsrun task.sh\n");
            File.SetUnixFileMode(Path.Combine(run, "job.sh"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

            Assert.Contains("Killed", RunFolder.LastLines(run, "41"), StringComparison.Ordinal);
            var name = Restarts.JobName("aibench-vllm-x", 2);
            RunFolder.StartAttempt(run, 1, name);
            RunFolder.StartAttempt(run, 1, name); // a host that stopped in between does it again

            Assert.Equal("aibench-vllm-x-a2", name);
            Assert.False(Directory.Exists(Path.Combine(run, "endpoints")));
            Assert.False(File.Exists(Path.Combine(run, "submitted")));
            Assert.True(File.Exists(Path.Combine(run, "attempt-1", "endpoints", "0.json")));
            Assert.Equal("line 1\nKilled\n", File.ReadAllText(Path.Combine(run, "attempt-1", "task-0.err")));
            Assert.Contains("#SBATCH --job-name=aibench-vllm-x-a2\n#SBATCH --nodes=2", File.ReadAllText(Path.Combine(run, "job.sh")),
                StringComparison.Ordinal);
            Assert.True(File.GetUnixFileMode(Path.Combine(run, "job.sh")).HasFlag(UnixFileMode.UserExecute));
        }
        finally
        {
            Directory.Delete(run, recursive: true);
        }
    }
}
