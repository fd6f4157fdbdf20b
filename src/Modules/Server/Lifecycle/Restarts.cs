using Aibench.Contracts.Server;
using Aibench.Server.Persistence;
using Aibench.Shared.Text;

namespace Aibench.Server.Lifecycle;

/// <summary>A service's restart policy, checked: how many restarts and the wait before each.</summary>
internal sealed record RecipeRestart(int Max, TimeSpan Backoff)
{
    public const int MaxRestarts = 10;
    public static readonly TimeSpan DefaultBackoff = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromHours(1);

    /// <summary>Plain services are not restarted unless their recipe or request says so.</summary>
    public static readonly RecipeRestart None = new(0, DefaultBackoff);

    /// <summary>Checks a policy's fields; each problem is reported under its field (<c>restart.max</c>, <c>restart.backoff</c>).</summary>
    public static RecipeRestart? Check(int? max, string? backoff, string prefix, Action<string, string> fail)
    {
        var ok = true;
        if (max is null or < 0 or > MaxRestarts)
        {
            fail($"{prefix}.max", $"'{prefix}.max' must be a number of restarts from 0 to {MaxRestarts}.");
            ok = false;
        }

        var wait = DefaultBackoff;
        if (backoff is not null && (!Duration.TryParse(backoff, out wait) || wait < TimeSpan.Zero || wait > MaxBackoff))
        {
            fail($"{prefix}.backoff", $"'{prefix}.backoff' must be a duration from 0s to 1h, like 30s or 2m.");
            ok = false;
        }

        return ok ? new RecipeRestart(max!.Value, wait) : null;
    }
}

/// <summary>How an attempt of a service ended, and whether that is worth another attempt.</summary>
/// <param name="Status">The service's state if it is not restarted.</param>
/// <param name="Reason">What happened, for people.</param>
/// <param name="Retryable">Whether a restart could help (a node failed, the job was preempted, a serving replica died).</param>
/// <param name="WhyNot">When not retryable, why not (shown when the service has a restart policy).</param>
internal sealed record AttemptEnd(ServiceStatus Status, string Reason, bool Retryable, string? WhyNot = null);

/// <summary>
/// The restart rules, as pure functions: which job ends are worth a new attempt. A restart helps when the cause was
/// outside the service (a node, a preemption) or when a service that had been serving stopped; it does not when the
/// same job would fail again (out of memory, failing before it ever answered: a recipe or environment error) or when a
/// person or the time limit ended it.
/// </summary>
internal static class Restarts
{
    /// <summary>A ready replica that does not answer its probe for this long is taken for dead (the poll runs every 2 s).</summary>
    public static readonly TimeSpan LivenessGrace = TimeSpan.FromSeconds(6);

    public static AttemptEnd Classify(string state, string? slurmReason, string? exitCode, string? nodes, bool wasReady, string? timeLimit,
        string? hint)
    {
        var exit = exitCode is { } code ? $", exit code {code}" : "";
        var because = slurmReason is { } r && r != "NonZeroExitCode" ? $" ({r})" : "";
        var how = $"{state.ToLowerInvariant()}{exit}{because}";
        return state switch
        {
            "COMPLETED" => new(ServiceStatus.Completed, "the job ended", false, "it ended on its own without an error"),
            "CANCELLED" => new(ServiceStatus.Cancelled,
                $"cancelled outside aibench (scancel or the site){(slurmReason is { } why ? $": {why}" : "")}", false,
                "a cancel is someone's decision"),
            "TIMEOUT" => new(ServiceStatus.TimedOut, $"the job reached its time limit ({timeLimit ?? "partition default"})", false,
                "the time limit would end the next attempt too"),
            "DEADLINE" => new(ServiceStatus.TimedOut, "the job reached its deadline", false, "the deadline has passed"),
            "NODE_FAIL" => new(ServiceStatus.Failed, Join($"a node failed ({nodes})", hint), true),
            "BOOT_FAIL" => new(ServiceStatus.Failed, Join($"a node failed to boot ({nodes})", hint), true),
            "PREEMPTED" => new(ServiceStatus.Failed, Join("the job was preempted", hint), true),
            "OUT_OF_MEMORY" => new(ServiceStatus.Failed, Join("out of memory", hint), false,
                "it would run out of memory again: ask for more memory or fewer/smaller models"),
            "UNKNOWN" => new(ServiceStatus.Unknown, slurmReason ?? "the scheduler no longer knows the job", false),
            _ when wasReady => new(ServiceStatus.Failed, Join($"{how} after it had been serving", hint), true),
            _ => new(ServiceStatus.Failed, Join(how, hint), false,
                "it failed before it ever answered: a recipe or environment error, which a new attempt would repeat"),
        };
    }

    /// <summary>A ready replica that stopped answering: its job is cancelled and the attempt counts as failed.</summary>
    public static AttemptEnd LostReplica(int task, string node, string path, TimeSpan silent, string? hint) =>
        new(ServiceStatus.Failed, Join($"replica {task} on {node} stopped answering {path} for {Duration.Format(silent)}", hint), true);

    /// <summary>Whether a ready endpoint that has not answered since <paramref name="failingSince"/> is lost.</summary>
    public static bool Lost(DateTimeOffset? failingSince, DateTimeOffset now) => failingSince is { } since && now - since >= LivenessGrace;

    /// <summary>Whether this end of an attempt starts another one under the service's policy.</summary>
    public static bool Restart(ServiceRecord service, AttemptEnd end) => end.Retryable && Math.Max(0, service.Attempt - 1) < service.RestartMax;

    /// <summary>The reason shown when an attempt is not restarted although the service has a policy.</summary>
    public static string Final(ServiceRecord service, AttemptEnd end) =>
        service.RestartMax == 0 ? end.Reason
        : end.Retryable ? $"{end.Reason}; not restarted: all {service.RestartMax} restart(s) used"
        : end.WhyNot is { } why ? $"{end.Reason}; not restarted: {why}" : end.Reason;

    /// <summary>The job name of an attempt: the first keeps the rendered name, later ones add their number, so that a
    /// submission whose answer was lost is found by name without mistaking the previous attempt's job for it.</summary>
    public static string JobName(string first, int attempt) => attempt <= 1 ? first : $"{first}-a{attempt}";

    private static string Join(string what, string? hint) => hint is null ? what : $"{what} — {hint}";
}
