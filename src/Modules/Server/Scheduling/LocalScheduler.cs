using System.Diagnostics;
using System.Globalization;

namespace Aibench.Server.Scheduling;

/// <summary>
/// The embedded default without a cluster: each task of the job runs as a local process with the SLURM_* variables
/// a batch script relies on, so one task.sh serves both. Its state lives in files in the run folder (pid, exit code,
/// cancel and time-limit marks), so a restarted host finds its jobs again; tasks run in their own session and
/// survive the host.
/// </summary>
internal sealed class LocalScheduler(ServerSettings server, CommandRunner runner, TimeProvider time, ILogger<LocalScheduler> logger) : IScheduler
{
    public const string Prefix = "local-";

    public string Kind => "local";

    public bool SupportsArrays => false;

    public Task<SchedulerHealth> CheckAsync(CancellationToken cancellationToken) =>
        Task.FromResult(new SchedulerHealth(Kind, true, $"jobs run as processes on {Environment.MachineName}"));

    public Task<string?> FindByNameAsync(string jobName, CancellationToken cancellationToken) => Task.FromResult<string?>(null);

    public Task<string> SubmitAsync(SubmittedJob job, CancellationToken cancellationToken)
    {
        var runFolder = job.RunFolder;
        var jobId = Prefix + job.ServiceId.ToString("N");
        var state = Directory.CreateDirectory(Path.Combine(runFolder, "local")).FullName;
        if (File.Exists(Path.Combine(state, "started")))
        {
            return Task.FromResult(jobId);
        }

        File.WriteAllText(Path.Combine(state, "started"), time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        if (TimeLimit(job.TimeLimit) is { } limit)
        {
            File.WriteAllText(Path.Combine(state, "timelimit"), ((long)limit.TotalSeconds).ToString(CultureInfo.InvariantCulture));
        }

        for (var task = 0; task < job.Tasks; task++)
        {
            var info = new ProcessStartInfo("setsid") { UseShellExecute = false, WorkingDirectory = runFolder };
            // The script is fixed text; file names are passed as arguments ($0..$3), never spliced into it.
            foreach (var arg in new[]
                     {
                         "bash", "-c", "bash \"$0\" > \"$1\" 2> \"$2\"; echo $? > \"$3.tmp\"; mv \"$3.tmp\" \"$3\"",
                         Path.Combine(runFolder, RenderedJob.TaskFile),
                         Path.Combine(runFolder, $"task-{task}.out"),
                         Path.Combine(runFolder, $"task-{task}.err"),
                         Path.Combine(state, $"exit-{task}"),
                     })
            {
                info.ArgumentList.Add(arg);
            }

            info.Environment["SLURM_JOB_ID"] = jobId;
            info.Environment["SLURM_JOB_NAME"] = job.JobName;
            info.Environment["SLURM_PROCID"] = task.ToString(CultureInfo.InvariantCulture);
            info.Environment["SLURM_LOCALID"] = task.ToString(CultureInfo.InvariantCulture);
            info.Environment["SLURM_NODEID"] = "0";
            info.Environment["SLURM_NTASKS"] = job.Tasks.ToString(CultureInfo.InvariantCulture);
            info.Environment["SLURM_JOB_NUM_NODES"] = "1";
            info.Environment["SLURM_JOB_NODELIST"] = Environment.MachineName;
            info.Environment["SLURMD_NODENAME"] = Environment.MachineName;
            info.Environment["SLURM_SUBMIT_DIR"] = runFolder;
            using var process = Process.Start(info) ?? throw new SchedulerUnavailableException("setsid did not start");
            File.WriteAllText(Path.Combine(state, $"pid-{task}"), process.Id.ToString(CultureInfo.InvariantCulture));
        }

        logger.LogInformation("Started {Tasks} local task(s) of {JobId} in {RunFolder}", job.Tasks, jobId, runFolder);
        return Task.FromResult(jobId);
    }

    public async Task<IReadOnlyDictionary<string, JobState>> QueryAsync(IReadOnlyCollection<string> jobIds, CancellationToken cancellationToken)
    {
        var states = new Dictionary<string, JobState>(StringComparer.Ordinal);
        foreach (var jobId in jobIds)
        {
            states[jobId] = await QueryOneAsync(jobId, cancellationToken);
        }

        return states;
    }

    public async Task CancelAsync(string jobId, CancellationToken cancellationToken)
    {
        if (StateFolder(jobId) is not { } state)
        {
            return;
        }

        await File.WriteAllTextAsync(Path.Combine(state, "cancelled"), "", cancellationToken);
        await SignalAsync(state, "TERM", cancellationToken);
        // A service that ignores SIGTERM is killed after a grace period, like SLURM's KillWait.
        _ = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(10), time, CancellationToken.None);
            await SignalAsync(state, "KILL", CancellationToken.None);
        }, CancellationToken.None);
    }

    private async Task<JobState> QueryOneAsync(string jobId, CancellationToken cancellationToken)
    {
        if (StateFolder(jobId) is not { } state)
        {
            return JobState.Gone;
        }

        var tasks = Directory.GetFiles(state, "pid-*").Length;
        var running = 0;
        var exits = new List<int>();
        var lost = 0;
        for (var task = 0; task < tasks; task++)
        {
            var exitFile = Path.Combine(state, $"exit-{task}");
            if (ExitCode(exitFile) is { } code)
            {
                exits.Add(code);
            }
            else if (Alive(state, task))
            {
                running++;
            }
            // The task's wrapper writes its exit code and then ends: one that ended since the first look has its code now.
            else if (ExitCode(exitFile) is { } late)
            {
                exits.Add(late);
            }
            else
            {
                lost++;
            }
        }

        var cancelled = File.Exists(Path.Combine(state, "cancelled"));
        var timedOut = File.Exists(Path.Combine(state, "timedout"));
        if (running > 0)
        {
            if (!cancelled && !timedOut && Expired(state))
            {
                await File.WriteAllTextAsync(Path.Combine(state, "timedout"), "", cancellationToken);
                await SignalAsync(state, "TERM", cancellationToken);
                return new JobState("TIMEOUT", "time limit reached", null, Environment.MachineName);
            }

            return new JobState(cancelled ? "CANCELLED" : timedOut ? "TIMEOUT" : "RUNNING", null, null, Environment.MachineName);
        }

        if (cancelled) return new JobState("CANCELLED", null, null, Environment.MachineName);
        if (timedOut) return new JobState("TIMEOUT", "time limit reached", null, Environment.MachineName);
        if (lost > 0) return new JobState("FAILED", $"{lost} task(s) vanished without an exit code (was the machine restarted?)", null,
            Environment.MachineName);
        var failed = exits.FirstOrDefault(c => c != 0);
        return failed == 0
            ? new JobState("COMPLETED", null, "0:0", Environment.MachineName)
            : new JobState("FAILED", "NonZeroExitCode", $"{failed}:0", Environment.MachineName);
    }

    private static int? ExitCode(string exitFile) =>
        File.Exists(exitFile) && int.TryParse(File.ReadAllText(exitFile).Trim(), CultureInfo.InvariantCulture, out var code) ? code : null;

    private bool Expired(string state)
    {
        var limitFile = Path.Combine(state, "timelimit");
        return File.Exists(limitFile)
            && long.TryParse(File.ReadAllText(limitFile), CultureInfo.InvariantCulture, out var limit)
            && long.TryParse(File.ReadAllText(Path.Combine(state, "started")), CultureInfo.InvariantCulture, out var started)
            && time.GetUtcNow().ToUnixTimeSeconds() - started > limit;
    }

    /// <summary>Alive, and still our task (a pid may be reused after a restart): its command line names this run folder.</summary>
    private static bool Alive(string state, int task)
    {
        if (!int.TryParse(File.ReadAllText(Path.Combine(state, $"pid-{task}")).Trim(), CultureInfo.InvariantCulture, out var pid))
        {
            return false;
        }

        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var status = stat[(stat.LastIndexOf(')') + 2)..][0];
            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline");
            return status != 'Z' && cmdline.Contains(Path.GetDirectoryName(state)!, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private async Task SignalAsync(string state, string signal, CancellationToken cancellationToken)
    {
        foreach (var pidFile in Directory.GetFiles(state, "pid-*"))
        {
            var pid = (await File.ReadAllTextAsync(pidFile, cancellationToken)).Trim();
            // setsid made each task the leader of its own process group: the group takes the service's children too.
            await runner.RunAsync("kill", [$"-{signal}", "--", $"-{pid}"], TimeSpan.FromSeconds(5), cancellationToken);
        }
    }

    private string? StateFolder(string jobId)
    {
        if (!jobId.StartsWith(Prefix, StringComparison.Ordinal) || !Guid.TryParseExact(jobId[Prefix.Length..], "N", out var serviceId))
        {
            return null;
        }

        var state = Path.Combine(server.RunsFolder, serviceId.ToString(), "local");
        return Directory.Exists(state) ? state : null;
    }

    /// <summary>SLURM's time formats: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS.</summary>
    internal static TimeSpan? TimeLimit(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        var days = 0;
        var rest = text;
        if (text.Contains('-', StringComparison.Ordinal))
        {
            var dash = text.Split('-');
            days = int.Parse(dash[0], CultureInfo.InvariantCulture);
            rest = dash[1];
            var p = rest.Split(':').Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();
            return new TimeSpan(days, p[0], p.Length > 1 ? p[1] : 0, p.Length > 2 ? p[2] : 0);
        }

        var parts = rest.Split(':').Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        return parts.Length switch
        {
            1 => TimeSpan.FromMinutes(parts[0]),
            2 => new TimeSpan(0, parts[0], parts[1]),
            _ => new TimeSpan(parts[0], parts[1], parts[2]),
        };
    }
}
