using Aibench.Contracts.Server;
using Aibench.Server.Persistence;

namespace Aibench.Server.Lifecycle;

internal static class ServiceTransitions
{
    public static readonly ServiceStatus[] Terminal = [ServiceStatus.Completed, ServiceStatus.Failed, ServiceStatus.Cancelled,
        ServiceStatus.TimedOut];

    public static readonly ServiceStatus[] Active = [ServiceStatus.Pending, ServiceStatus.Queued, ServiceStatus.Starting, ServiceStatus.Ready,
        ServiceStatus.Unknown, ServiceStatus.Restarting];

    public static bool IsTerminal(this ServiceStatus status) => Terminal.Contains(status);

    /// <summary>Moves a service to a state, keeping the history; a repeat of the same state and reason records nothing.</summary>
    public static bool MoveTo(this ServiceRecord service, ServiceStatus status, string? reason, DateTimeOffset now)
    {
        reason = reason is { Length: > 2048 } ? reason[..2045] + "..." : reason;
        if (service.Status == status && service.Reason == reason)
        {
            return false;
        }

        service.Status = status;
        service.Reason = reason;
        service.UpdatedAt = now;
        service.Transitions.Add(new ServiceTransition { ServiceId = service.Id, Status = status, Reason = reason, At = now });
        return true;
    }
}
