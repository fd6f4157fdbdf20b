using Aibench.Client.Jobs;
using Aibench.Contracts.Client;
using Mediator;

namespace Aibench.Client.Features;

/// <summary>Keeps the latest progress of each run for the API and the pages.</summary>
internal sealed class TrackBenchmarkProgress(ActiveBenchmarks active) : INotificationHandler<BenchmarkProgressed>
{
    public ValueTask Handle(BenchmarkProgressed notification, CancellationToken cancellationToken)
    {
        active.Report(notification);
        return ValueTask.CompletedTask;
    }
}
