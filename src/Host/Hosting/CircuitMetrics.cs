using Aibench.Shared.Resilience;
using Prometheus;

namespace Aibench.Host.Hosting;

/// <summary>
/// The host's circuit breakers on <c>/metrics</c>: <c>aibench_circuit_state{name}</c> (0 closed, 1 half-open, 2 open) and
/// <c>aibench_circuit_opened_total{name}</c> (outages: opened from closed). prometheus-net's own types, as the other
/// aibench_* series, so the names are the ones people query. Set on every change of the registry rather than read at
/// scrape time; a breaker that is forgotten (an endpoint gone) takes its series with it, and so does this host when it
/// stops, so that a series never outlives the breaker it describes.
/// </summary>
internal sealed class CircuitMetrics(CircuitBreakers breakers) : IHostedService
{
    private static readonly Gauge State = Metrics.CreateGauge("aibench_circuit_state",
        "State of a circuit breaker: 0 closed, 1 half-open (a trial call is under way), 2 open (calls fail fast).", "name");

    private static readonly Counter Opened = Metrics.CreateCounter("aibench_circuit_opened_total",
        "Times a circuit breaker opened from closed (outages; re-opening after a failed trial is not counted).", "name");

    public static double Value(BreakerState state) => state switch
    {
        BreakerState.Closed => 0,
        BreakerState.HalfOpen => 1,
        _ => 2,
    };

    public Task StartAsync(CancellationToken cancellationToken)
    {
        breakers.Changed += Set;
        breakers.Removed += Remove;
        foreach (var view in breakers.Views())
        {
            Set(view);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        breakers.Changed -= Set;
        breakers.Removed -= Remove;
        foreach (var view in breakers.Views())
        {
            Remove(view.Name);
        }

        return Task.CompletedTask;
    }

    private void Set(CircuitView changed)
    {
        // Events of one breaker can arrive out of order from two threads; the registry's state now is what counts.
        lock (State)
        {
            var view = breakers.Find(changed.Name) ?? changed;
            State.WithLabels(view.Name).Set(Value(view.State));
            Opened.WithLabels(view.Name).IncTo(view.Opened);
        }
    }

    private static void Remove(string name)
    {
        State.RemoveLabelled(name);
        Opened.RemoveLabelled(name);
    }
}
