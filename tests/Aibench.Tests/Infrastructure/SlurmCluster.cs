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
    public static async Task<string?> StateAsync(string jobId)
    {
        var output = await RunAsync("squeue", "-h", "--states=all", "-j", jobId, "-o", "%T");
        return output.Trim() is { Length: > 0 } state ? state : null;
    }

    public static async Task<string[]> JobIdsNamedAsync(string name)
    {
        var output = await RunAsync("squeue", "-h", "--states=all", "--name", name, "-o", "%i");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    private static async Task<string> RunAsync(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }
}
