using Mediator;

namespace Aibench.Contracts.Server;

/// <summary>Asks the Server module where one service stands. Answers <c>null</c> when no such service exists.</summary>
/// <param name="ServiceId">The service's id as returned when it was created.</param>
public sealed record GetServiceStatus(Guid ServiceId) : IQuery<ServiceStatusInfo?>;

/// <summary>A service's current state, as other modules may show or act on it.</summary>
/// <param name="ServiceId">The service's id.</param>
/// <param name="Recipe">Name of the recipe it was deployed from.</param>
/// <param name="Status">Current state.</param>
/// <param name="Reason">Why it is in that state (scheduler reason, failure cause), when known.</param>
/// <param name="JobId">The scheduler's job id, once submitted.</param>
/// <param name="UpdatedAt">When the state last changed.</param>
public sealed record ServiceStatusInfo(
    Guid ServiceId,
    string Recipe,
    ServiceStatus Status,
    string? Reason,
    string? JobId,
    DateTimeOffset UpdatedAt)
{
    /// <summary>The scheduler's host list once the job runs, e.g. <c>node[1-4]</c>.</summary>
    public string? NodeList { get; init; }

    /// <summary>Endpoints that must answer before the service is ready (one per replica, or one for the Ray head).</summary>
    public int ExpectedReplicas { get; init; }

    /// <summary>The endpoints announced so far, each with whether it answered its readiness probe.</summary>
    public IReadOnlyList<ReplicaStatus> Replicas { get; init; } = [];

    /// <summary>Folder with its scripts, endpoint files and logs.</summary>
    public string? RunFolder { get; init; }

    /// <summary>The attempt running now, from 1: each restart submits a new job as the next attempt.</summary>
    public int Attempt { get; init; } = 1;
}

/// <summary>One announced endpoint of a service and whether it is serving.</summary>
/// <param name="Task">Index of the task (replica), from 0.</param>
/// <param name="Node">The scheduler's name for the node it runs on.</param>
/// <param name="Url">Base URL, e.g. <c>http://node3:8000</c>.</param>
/// <param name="Ready">Whether it answered its readiness probe.</param>
public sealed record ReplicaStatus(int Task, string Node, string Url, bool Ready);
