using System.Diagnostics.Metrics;
using Aibench.Contracts.Server;
using Mediator;

namespace Aibench.Server.Features;

/// <summary>
/// Service life events as host metrics (exported on /metrics through .NET's meters): how many services became
/// ready, how long that took, how often they were restarted and how they ended.
/// </summary>
internal sealed class CountServiceEvents : INotificationHandler<ServiceReady>, INotificationHandler<ServiceStopped>,
    INotificationHandler<ServiceRestarted>, IDisposable
{
    private readonly Meter _meter = new("Aibench.Server");
    private readonly Counter<long> _ready;
    private readonly Counter<long> _stopped;
    private readonly Counter<long> _restarted;

    public CountServiceEvents()
    {
        _ready = _meter.CreateCounter<long>("aibench_services_ready", description: "Services whose endpoints all answered their readiness probe");
        _stopped = _meter.CreateCounter<long>("aibench_services_stopped", description: "Services that reached an end state, by state");
        _restarted = _meter.CreateCounter<long>("aibench_services_restarted", description: "Services resubmitted by their restart policy");
    }

    public ValueTask Handle(ServiceReady notification, CancellationToken cancellationToken)
    {
        _ready.Add(1, new KeyValuePair<string, object?>("recipe", notification.Recipe));
        return ValueTask.CompletedTask;
    }

    public ValueTask Handle(ServiceStopped notification, CancellationToken cancellationToken)
    {
        _stopped.Add(1, new KeyValuePair<string, object?>("status", notification.Status.ToString().ToLowerInvariant()));
        return ValueTask.CompletedTask;
    }

    public ValueTask Handle(ServiceRestarted notification, CancellationToken cancellationToken)
    {
        _restarted.Add(1, new KeyValuePair<string, object?>("recipe", notification.Recipe));
        return ValueTask.CompletedTask;
    }

    public void Dispose() => _meter.Dispose();
}
