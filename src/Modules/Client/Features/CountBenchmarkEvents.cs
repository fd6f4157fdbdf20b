using System.Diagnostics.Metrics;
using Aibench.Contracts;
using Aibench.Contracts.Client;
using Mediator;

namespace Aibench.Client.Features;

/// <summary>How runs end, as a host metric on /metrics (through .NET's meters).</summary>
internal sealed class CountBenchmarkEvents : INotificationHandler<BenchmarkFinished>, IDisposable
{
    private readonly Meter _meter = new("Aibench.Client");
    private readonly Counter<long> _finished;

    public CountBenchmarkEvents() =>
        _finished = _meter.CreateCounter<long>("aibench_benchmarks_finished",
            description: "Load-generation runs that reached an end state, by state");

    public ValueTask Handle(BenchmarkFinished notification, CancellationToken cancellationToken)
    {
        _finished.Add(1, new KeyValuePair<string, object?>("status", notification.Status.WireName()));
        return ValueTask.CompletedTask;
    }

    public void Dispose() => _meter.Dispose();
}
