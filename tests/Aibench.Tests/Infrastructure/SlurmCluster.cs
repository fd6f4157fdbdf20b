using System.Diagnostics;

namespace Aibench.Tests.Infrastructure;

/// <summary>
/// The real 4-node SLURM cluster scripts/test.sh starts (scripts/slurm-cluster.sh). Without it these tests skip
/// when run by hand and fail under the test script (AIBENCHTEST_REQUIRE_SLURM=1).
/// </summary>
public static class SlurmCluster
{
    public static int Nodes => int.TryParse(Environment.GetEnvironmentVariable("AIBENCHTEST_SLURM_NODES"), out var n) ? n : 4;

    public static string? Unavailable()
    {
        if (Environment.GetEnvironmentVariable("AIBENCHTEST_SLURM") == "1" && Environment.GetEnvironmentVariable("SLURM_CONF") is { Length: > 0 })
        {
            return null;
        }

        const string reason = "No SLURM test cluster (AIBENCHTEST_SLURM, SLURM_CONF): run ./scripts/test.sh, which starts one.";
        if (Environment.GetEnvironmentVariable("AIBENCHTEST_REQUIRE_SLURM") == "1")
        {
            throw new InvalidOperationException(reason);
        }

        return reason;
    }

    /// <summary>squeue's view of one job: its state, or null when SLURM no longer lists it.</summary>
    /// <param name="conf">The slurm.conf of another cluster than the shared one (SLURM_CONF).</param>
    public static async Task<string?> StateAsync(string jobId, string? conf = null)
    {
        var output = await RunAsync(conf, "squeue", "-h", "--states=all", "-j", jobId, "-o", "%T");
        return output.Trim() is { Length: > 0 } state ? state : null;
    }

    public static async Task<string[]> JobIdsNamedAsync(string name, string? conf = null)
    {
        var output = await RunAsync(conf, "squeue", "-h", "--states=all", "--name", name, "-o", "%i");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>One job as squeue lists it.</summary>
    public sealed record Job(string Id, string Name, string State)
    {
        /// <summary>Still holding (or about to hold) nodes: an orphan when its owner has ended.</summary>
        public bool Active => State is "PENDING" or "RUNNING" or "COMPLETING" or "CONFIGURING" or "SUSPENDED" or "REQUEUED" or "RESIZING"
            or "SIGNALING" or "STAGE_OUT";
    }

    /// <summary>Every job squeue lists (ended ones stay listed for MinJobAge, 10 minutes on the test clusters) whose name contains one of the given
    /// parts.</summary>
    public static async Task<Job[]> JobsNamedAsync(IEnumerable<string> nameParts, string? conf = null)
    {
        var parts = nameParts.ToArray();
        var output = await RunAsync(conf, "squeue", "-h", "--states=all", "-o", "%i|%j|%T");
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split('|'))
            .Where(f => f.Length == 3 && parts.Any(p => f[1].Contains(p, StringComparison.Ordinal)))
            .Select(f => new Job(f[0], f[1], f[2]))];
    }

    /// <summary>scancel of one job, as someone at the site would do it behind aibench's back.</summary>
    public static async Task CancelAsync(string jobId, string? conf = null) => await RunAsync(conf, "scancel", jobId);

    /// <summary>
    /// Runs a SLURM command and answers its output. A controller busy with other tests' jobs now and then times out a
    /// command: it is asked again (5 times, a second apart) rather than its empty output taken for "no such job".
    /// </summary>
    private static async Task<string> RunAsync(string? conf, string program, params string[] args)
    {
        var error = "";
        for (var attempt = 0; attempt < 5; attempt++)
        {
            if (attempt > 0) await Task.Delay(1000);
            var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in args) info.ArgumentList.Add(a);
            if (conf is not null) info.Environment["SLURM_CONF"] = conf;
            using var process = Process.Start(info)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            error = await stderr;
            // scancel of a job that has ended already is no failure for a test; nor is squeue -j of a job SLURM forgot.
            if (process.ExitCode == 0 || program == "scancel" || error.Contains("Invalid job id", StringComparison.OrdinalIgnoreCase))
            {
                return output;
            }
        }

        throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed 5 times: {error.Trim()}");
    }
}
