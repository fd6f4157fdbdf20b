using System.Text.RegularExpressions;
using Polly;

namespace Aibench.Server.Scheduling;

/// <summary>
/// SLURM through its commands: sbatch, one squeue per polling cycle for every job, scontrol for a failed job's exit
/// code, sacct when accounting is there, scancel. Transient failures (controller unreachable, timeouts) are retried
/// with backoff; when SLURM stays down the caller gets <see cref="SchedulerUnavailableException"/>, never a crash.
/// </summary>
internal sealed partial class SlurmCliScheduler(CommandRunner runner, SchedulerSettings settings, ILogger<SlurmCliScheduler> logger) : IScheduler
{
    private readonly ResiliencePipeline _retry = SchedulerRetry.For(settings);

    private bool? _accounting;

    public string Kind => "slurm";

    public bool SupportsArrays => true;

    public async Task<SchedulerHealth> CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            var ping = await RunAsync("scontrol", ["ping"], cancellationToken);
            var up = ping.ExitCode == 0 && ping.Stdout.Contains("UP", StringComparison.Ordinal);
            // scontrol repeats itself on failure; its last line says what went wrong.
            return new SchedulerHealth(Kind, up,
                ping.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "");
        }
        catch (SchedulerUnavailableException e)
        {
            return new SchedulerHealth(Kind, false, e.Message);
        }
    }

    public async Task<string> SubmitAsync(SubmittedJob job, CancellationToken cancellationToken)
    {
        var runFolder = job.RunFolder;
        // Not retried blindly: a timed-out sbatch may have submitted. The caller checks by job name first.
        var result = await runner.RunAsync("sbatch", ["--parsable", Path.Combine(runFolder, job.BatchFile)],
            settings.CommandTimeout, cancellationToken, runFolder);
        if (result.ExitCode != 0)
        {
            if (IsTransient(result.Message))
            {
                throw new SchedulerUnavailableException($"sbatch: {result.Message}");
            }

            throw new SubmissionRejectedException(Clean(result.Message));
        }

        var id = result.Stdout.Trim().Split(';')[0];
        if (!JobIdPattern().IsMatch(id))
        {
            throw new SchedulerUnavailableException($"sbatch printed no job id: '{result.Stdout.Trim()}'");
        }

        return id;
    }

    public async Task<string?> FindByNameAsync(string jobName, CancellationToken cancellationToken)
    {
        var result = await RunAsync("squeue", ["-h", "--me", "--states=all", "--name", jobName, "-o", "%i"], cancellationToken);
        return result.ExitCode == 0 ? result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries |
            StringSplitOptions.TrimEntries).FirstOrDefault() : null;
    }

    public async Task<IReadOnlyDictionary<string, JobState>> QueryAsync(IReadOnlyCollection<string> jobIds, CancellationToken cancellationToken)
    {
        var states = new Dictionary<string, JobState>(StringComparer.Ordinal);
        if (jobIds.Count == 0)
        {
            return states;
        }

        // One call for every job of this user: its cost does not grow with the number of services polled. With -r every
        // task of an array is a line of its own (<array>_<index>), pending ones too (otherwise folded as <array>_[2-3%2]).
        var result = await RunAsync("squeue", ["-h", "--me", "--states=all", "-r", "-o", "%i|%T|%r|%N"], cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new SchedulerUnavailableException($"squeue: {result.Message}");
        }

        var wanted = jobIds.ToHashSet(StringComparer.Ordinal);
        foreach (var line in result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Trim().Split('|');
            if (parts.Length >= 4 && wanted.Contains(parts[0]))
            {
                states[parts[0]] = new JobState(parts[1], NullIfNone(parts[2]), null, NullIfNone(parts[3]));
            }
        }

        foreach (var (id, state) in states.Where(s => s.Value.State is "FAILED" or "NODE_FAIL" or "OUT_OF_MEMORY").ToList())
        {
            states[id] = state with { ExitCode = await ExitCodeAsync(id, cancellationToken) };
        }

        var missing = wanted.Where(id => !states.ContainsKey(id)).ToList();
        if (missing.Count > 0)
        {
            foreach (var (id, state) in await FromAccountingAsync(missing, cancellationToken))
            {
                states[id] = state;
            }
        }

        foreach (var id in wanted.Where(id => !states.ContainsKey(id)))
        {
            states[id] = JobState.Gone;
        }

        return states;
    }

    public async Task CancelAsync(string jobId, CancellationToken cancellationToken)
    {
        var result = await RunAsync("scancel", [jobId], cancellationToken);
        // A job that already ended is no error: cancelling is idempotent.
        if (result.ExitCode != 0 && !result.Message.Contains("Invalid job id", StringComparison.OrdinalIgnoreCase)
            && !result.Message.Contains("already completing or completed", StringComparison.OrdinalIgnoreCase))
        {
            throw new SchedulerUnavailableException($"scancel {jobId}: {result.Message}");
        }
    }

    private async Task<string?> ExitCodeAsync(string jobId, CancellationToken cancellationToken)
    {
        var result = await RunAsync("scontrol", ["show", "job", "-o", jobId], cancellationToken);
        return ExitCodePattern().Match(result.Stdout) is { Success: true } m ? m.Groups["code"].Value : null;
    }

    private async Task<IEnumerable<(string, JobState)>> FromAccountingAsync(IReadOnlyCollection<string> jobIds, CancellationToken cancellationToken)
    {
        if (_accounting == false)
        {
            return [];
        }

        var result = await RunAsync("sacct", ["-n", "-P", "-X", "-j", string.Join(',', jobIds), "-o", "JobID,State,ExitCode,Reason,NodeList"],
            cancellationToken);
        if (result.ExitCode != 0 || result.Message.Contains("disabled", StringComparison.OrdinalIgnoreCase))
        {
            logger.LogInformation("SLURM accounting is not available ({Message}); finished jobs are read from squeue only", result.Message);
            _accounting = false;
            return [];
        }

        _accounting = true;
        return result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Trim().Split('|'))
            .Where(p => p.Length >= 5)
            // sacct prints "CANCELLED by 0": the first word is the state.
            .Select(p => (p[0], new JobState(p[1].Split(' ')[0], NullIfNone(p[3]), p[2], NullIfNone(p[4]))));
    }

    private async Task<CommandResult> RunAsync(string program, string[] arguments, CancellationToken cancellationToken) =>
        await _retry.ExecuteAsync(async ct =>
        {
            var result = await runner.RunAsync(program, arguments, settings.CommandTimeout, ct);
            if (result.ExitCode != 0 && IsTransient(result.Message))
            {
                throw new SchedulerUnavailableException($"{program}: {result.Message}");
            }

            return result;
        }, cancellationToken);

    private static bool IsTransient(string message) =>
        message.Contains("Unable to contact slurm controller", StringComparison.OrdinalIgnoreCase)
        || message.Contains("Socket timed out", StringComparison.OrdinalIgnoreCase)
        || message.Contains("Connection refused", StringComparison.OrdinalIgnoreCase)
        || message.Contains("Zero Bytes were transmitted", StringComparison.OrdinalIgnoreCase)
        || message.Contains("Could not establish a configuration source", StringComparison.OrdinalIgnoreCase);

    private static string? NullIfNone(string value) => value is "" or "None" or "(null)" ? null : value;

    /// <summary>sbatch's errors come as "sbatch: error: …" lines; the user needs the text.</summary>
    private static string Clean(string message) =>
        string.Join(" ", message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Replace("sbatch: error: ", "", StringComparison.Ordinal)).Distinct());

    [GeneratedRegex(@"^\d+(_\d+)?$")]
    private static partial Regex JobIdPattern();

    [GeneratedRegex(@"\bExitCode=(?<code>\d+:\d+)")]
    private static partial Regex ExitCodePattern();
}
