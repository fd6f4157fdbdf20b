using Mediator;

namespace Aibench.Contracts.Server;

/// <summary>
/// Asks the Server module whose logs to collect: every service with a run folder, and every load-generator worker job,
/// that is still going or that ended after <paramref name="EndedSince"/> (its files are read once more after the end).
/// </summary>
/// <param name="EndedSince">Services and worker jobs that ended before this are left out.</param>
public sealed record ListLogSources(DateTimeOffset EndedSince) : IQuery<IReadOnlyList<LogSource>>;

/// <summary>Where a job's logs are and what must never appear in them.</summary>
/// <param name="Id">The service's id, or for load-generator workers the benchmark's.</param>
/// <param name="Kind">Whether the job is a service or a benchmark's load-generator workers.</param>
/// <param name="RunFolder">Its run folder: <c>task-&lt;n&gt;.out/.err</c>, <c>slurm-&lt;job&gt;.out/.err</c>, and files under <c>logs/</c>.</param>
/// <param name="Ended">
/// Whether the job will write no more: it reached an end state (service) or ended (worker job) long enough ago for its
/// processes to have been killed.
/// </param>
/// <param name="NodeOfTask">The node each task (replica or worker) runs on, as far as known.</param>
/// <param name="Secrets">Values to be masked: recipe parameters marked secret, the workers' token for the host.</param>
/// <param name="ExperimentId">
/// The experiment the job belongs to, if any: the one the service was deployed for (<see cref="DeployService.ExperimentId"/>),
/// or the one of the benchmark whose workers these are (<see cref="SubmitWorkerJob.ExperimentId"/>).
/// </param>
public sealed record LogSource(Guid Id, LogSourceKind Kind, string RunFolder, bool Ended, IReadOnlyDictionary<int, string> NodeOfTask,
    IReadOnlyList<string> Secrets,
    Guid? ExperimentId = null);

/// <summary>What kind of job a <see cref="LogSource"/> is.</summary>
public enum LogSourceKind
{
    /// <summary>A service deployed from a recipe; its id is the service's.</summary>
    Service,

    /// <summary>The load-generator workers of a distributed benchmark; its id is the benchmark's.</summary>
    Workers,
}
