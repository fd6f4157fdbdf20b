namespace Aibench.Server.Scheduling;

/// <summary>Where a job stands, in SLURM's words (PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, …).</summary>
/// <param name="State">SLURM job state name, upper case; <c>UNKNOWN</c> when the scheduler no longer knows the job.</param>
/// <param name="Reason">SLURM's reason (Resources, Priority, QOSMaxJobsPerUserLimit, …) or a failure cause.</param>
/// <param name="ExitCode">The job's exit code when it ended, as SLURM prints it (e.g. <c>1:0</c>).</param>
/// <param name="Nodes">The nodes it runs or ran on, as a host list.</param>
internal sealed record JobState(string State, string? Reason = null, string? ExitCode = null, string? Nodes = null)
{
    public static readonly JobState Gone = new("UNKNOWN", "the scheduler no longer knows this job");

    public bool IsPending => State is "PENDING" or "CONFIGURING" or "REQUEUED" or "REQUEUE_HOLD" or "REQUEUE_FED" or "RESV_DEL_HOLD";

    public bool IsRunning => State is "RUNNING" or "COMPLETING" or "SUSPENDED" or "STOPPED" or "SIGNALING" or "STAGE_OUT" or "RESIZING";
}

/// <summary>What a scheduler needs to start a job whose scripts are already in its run folder.</summary>
/// <param name="BatchFile">The batch script in the run folder: a service's job.sh, or a job array's array.sh.</param>
internal sealed record SubmittedJob(Guid ServiceId, string JobName, int Tasks, string? TimeLimit, string RunFolder,
    string BatchFile = RenderedJob.BatchFile);

/// <summary>Whether the scheduler can be used, and why not.</summary>
internal sealed record SchedulerHealth(string Kind, bool Reachable, string Detail);

/// <summary>A submission the scheduler refused (bad partition, impossible request); the message is the scheduler's own.</summary>
internal sealed class SubmissionRejectedException(string message) : Exception(message);

/// <summary>The scheduler could not be asked (down, timed out); the caller keeps the last known state.</summary>
internal sealed class SchedulerUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// One way of running jobs: SLURM through its commands, SLURM through slurmrestd, or local processes.
/// All share the run folder layout and the endpoint contract, so the Server module treats them alike.
/// </summary>
internal interface IScheduler
{
    string Kind { get; }

    /// <summary>
    /// Whether it runs job arrays (<c>--array</c> in the batch script): SLURM does; local processes do not, and the
    /// Server module then submits an array's services one by one within its throttle.
    /// </summary>
    bool SupportsArrays { get; }

    Task<SchedulerHealth> CheckAsync(CancellationToken cancellationToken);

    /// <summary>Submits the job whose scripts are in its run folder; returns the job id (an array's own id, for an array).</summary>
    Task<string> SubmitAsync(SubmittedJob job, CancellationToken cancellationToken);

    /// <summary>A job already submitted under this name (a submission whose answer was lost), if the scheduler can tell.</summary>
    Task<string?> FindByNameAsync(string jobName, CancellationToken cancellationToken);

    /// <summary>
    /// States of all the given jobs with as few scheduler calls as possible (one for SLURM). A task of a job array is
    /// asked for as <c>&lt;array&gt;_&lt;index&gt;</c>, pending or not.
    /// </summary>
    Task<IReadOnlyDictionary<string, JobState>> QueryAsync(IReadOnlyCollection<string> jobIds, CancellationToken cancellationToken);

    Task CancelAsync(string jobId, CancellationToken cancellationToken);
}
