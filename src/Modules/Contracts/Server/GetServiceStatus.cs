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
    DateTimeOffset UpdatedAt);
