using System.Text.Json.Serialization;

namespace Aibench.Contracts.Server;

/// <summary>Where a deployed service is in its life, as every module sees it. On the wire by <see cref="WireNames">wire name</see> (<c>timed_out</c>,
/// …).</summary>
[JsonConverter(typeof(WireNameJsonConverter<ServiceStatus>))]
public enum ServiceStatus
{
    /// <summary>Accepted; not yet handed to the scheduler.</summary>
    Pending,

    /// <summary>The scheduler knows the job (job id set) and has not started it; the reason says why.</summary>
    Queued,

    /// <summary>The job runs; not every endpoint has answered its readiness probe yet.</summary>
    Starting,

    /// <summary>Every endpoint answered its readiness probe.</summary>
    Ready,

    /// <summary>The job ended on its own without error.</summary>
    Completed,

    /// <summary>The job or its start-up failed; the reason says how.</summary>
    Failed,

    /// <summary>Stopped on request.</summary>
    Cancelled,

    /// <summary>The scheduler stopped the job at its time limit.</summary>
    TimedOut,

    /// <summary>The scheduler could not be asked; the last known state is kept elsewhere.</summary>
    Unknown,

    /// <summary>
    /// Its job failed for a reason worth retrying (a node failure, a preemption, a replica that stopped answering) and
    /// its restart policy allows another attempt: a new job is submitted after the policy's back-off.
    /// </summary>
    Restarting,
}
