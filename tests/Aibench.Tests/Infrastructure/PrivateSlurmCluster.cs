using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Aibench.Tests.Infrastructure;

/// <summary>
/// A 4-node SLURM cluster of one test's own (scripts/slurm-cluster.sh in a temporary folder, on ports and job ids of its
/// own), for drills that stop the controller: the shared cluster of the other tests is never touched. Every SLURM
/// command aimed at it carries its <see cref="Conf"/>.
/// </summary>
public sealed class PrivateSlurmCluster : IAsyncDisposable
{
    /// <summary>Job ids of private clusters start here, far above the shared cluster's, so that no id means two jobs.</summary>
    private const int FirstJobId = 7_000_000;

    private readonly DirectoryInfo _temp;

    private PrivateSlurmCluster(DirectoryInfo temp) => _temp = temp;

    private string Folder => Path.Combine(_temp.FullName, "slurm");

    /// <summary>Its slurm.conf: SLURM_CONF for aibench and for every command aimed at this cluster.</summary>
    public string Conf => Path.Combine(Folder, "slurm.conf");

    /// <summary>Why no private cluster can be started here (skipped by hand, a failure under the test script), or null.</summary>
    public static string? Unavailable()
    {
        string? reason = null;
        if (SlurmCluster.Unavailable() is { } shared)
        {
            // Same requirement as the other SLURM tests: the test script provides both.
            return shared;
        }

        if (Environment.UserName != "root")
        {
            reason = "A private SLURM cluster needs root (slurmd runs jobs as their owners).";
        }
        else if (!File.Exists("/usr/sbin/slurmctld") || !File.Exists("/usr/sbin/slurmd") || !File.Exists("/usr/sbin/munged"))
        {
            reason = "A private SLURM cluster needs slurmctld, slurmd and munge installed.";
        }

        if (reason is not null && Environment.GetEnvironmentVariable("AIBENCHTEST_REQUIRE_SLURM") == "1")
        {
            throw new InvalidOperationException(reason);
        }

        return reason;
    }

    public static async Task<PrivateSlurmCluster> StartAsync()
    {
        var temp = Directory.CreateTempSubdirectory("aibench-drill-slurm-");
        // munged runs as the munge user and must reach its socket inside.
        File.SetUnixFileMode(temp.FullName, (UnixFileMode)0b111_101_101);
        var cluster = new PrivateSlurmCluster(temp);
        var (controller, nodeBase) = FreePorts();
        var (code, output) = await RunAsync(null, "bash", Path.Combine(Repo.Root, "scripts", "slurm-cluster.sh"), "start", cluster.Folder,
            ("AIBENCH_SLURM_CTLD_PORT", controller.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("AIBENCH_SLURM_NODE_PORT_BASE", nodeBase.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("AIBENCH_SLURM_FIRST_JOB_ID", FirstJobId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("AIBENCH_SLURM_CLUSTER_NAME", "aibenchdrill"),
            ("SLURM_TEST_NODES", "4"));
        if (code != 0)
        {
            await cluster.DisposeAsync();
            throw new InvalidOperationException($"the private SLURM cluster did not start (exit {code}):\n{output}");
        }

        return cluster;
    }

    /// <summary>The controller's pid, from its pid file; null when it is not running.</summary>
    private int? ControllerPid()
    {
        var file = Path.Combine(Folder, "run", "slurmctld.pid");
        return File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), out var pid) && Directory.Exists($"/proc/{pid}") ? pid : null;
    }

    /// <summary>Stops this cluster's slurmctld (SIGTERM: it saves its state, as for a maintenance stop); its slurmd and jobs go on.</summary>
    public async Task StopControllerAsync()
    {
        var pid = ControllerPid() ?? throw new InvalidOperationException("this cluster's slurmctld is not running");
        using (var process = Process.GetProcessById(pid))
        {
            process.Kill(entireProcessTree: false);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(wait.Token);
        }
    }

    /// <summary>Starts slurmctld again on its saved state and waits until it answers.</summary>
    public async Task StartControllerAsync()
    {
        var (code, output) = await RunAsync(Conf, "/usr/sbin/slurmctld", "-f", Conf, "-i");
        if (code != 0)
        {
            throw new InvalidOperationException($"slurmctld did not start again (exit {code}): {output}");
        }

        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while ((await RunAsync(Conf, "squeue", "-h")).Code != 0)
        {
            if (DateTime.UtcNow > until) throw new InvalidOperationException("slurmctld does not answer 60 s after its start");
            await Task.Delay(500);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Only this cluster's jobs: --me with this cluster's own configuration.
        if (ControllerPid() is not null)
        {
            await RunAsync(Conf, "scancel", "--me");
        }

        await RunAsync(null, "bash", Path.Combine(Repo.Root, "scripts", "slurm-cluster.sh"), "stop", Folder);
        try
        {
            _temp.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A job's last file closing as it is deleted; /tmp is cleaned anyway.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>A controller port and a base with the four node ports above it, all free now.</summary>
    private static (int Controller, int NodeBase) FreePorts()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            // Below Linux's ephemeral range (32768 and up), and apart from the drills' replica ports (10000-16000).
            var nodeBase = Random.Shared.Next(20_000, 32_000);
            var controller = nodeBase - 10;
            if (new[] { controller }.Concat(Enumerable.Range(nodeBase + 1, 4)).All(Free))
            {
                return (controller, nodeBase);
            }
        }

        throw new InvalidOperationException("no free ports for a private SLURM cluster");
    }

    private static bool Free(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Any, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static async Task<(int Code, string Output)> RunAsync(string? conf, string program, params object[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            switch (a)
            {
                case string s: info.ArgumentList.Add(s); break;
                case ValueTuple<string, string> (var key, var value): info.Environment[key] = value; break;
            }
        }

        // Never the shared cluster by accident: the private one's configuration, or none at all (the script sets its own).
        info.Environment.Remove("SLURM_CONF");
        if (conf is not null) info.Environment["SLURM_CONF"] = conf;
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output + await error);
    }
}
