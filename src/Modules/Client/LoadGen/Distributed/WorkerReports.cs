using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Aibench.Client.LoadGen.Distributed;

/// <summary>
/// How workers reach this host: its base URL (null when it cannot be told, e.g. in-memory test hosts) and the token
/// they send: <see cref="HostWorkerCallback"/> when the Host offers its token, else <see cref="NoWorkerCallback"/> (workers write files).
/// </summary>
internal interface IWorkerCallback
{
    string? BaseUrl { get; }

    string? Token { get; }
}

internal sealed class NoWorkerCallback : IWorkerCallback
{
    public string? BaseUrl => null;

    public string? Token => null;
}

/// <summary>What the workers of the distributed runs going on in this host have reported so far.</summary>
internal sealed class WorkerReports
{
    private readonly ConcurrentDictionary<Guid, Run> _runs = new();

    internal sealed class Run(int workers)
    {
        public int Workers { get; } = workers;

        public ConcurrentDictionary<int, WorkerSnapshot> Snapshots { get; } = new();

        public ConcurrentDictionary<int, WorkerFinal> Finals { get; } = new();
    }

    public Run Open(Guid benchmarkId, int workers) => _runs.GetOrAdd(benchmarkId, _ => new Run(workers));

    public void Close(Guid benchmarkId) => _runs.TryRemove(benchmarkId, out _);

    /// <summary>False when no such run is waiting for this worker: the endpoint answers 404 and the worker writes files.</summary>
    public bool Snapshot(Guid benchmarkId, int worker, WorkerSnapshot snapshot)
    {
        if (!_runs.TryGetValue(benchmarkId, out var run) || worker < 0 || worker >= run.Workers || snapshot.Worker != worker)
        {
            return false;
        }

        run.Snapshots[worker] = snapshot;
        return true;
    }

    public bool Final(Guid benchmarkId, int worker, WorkerFinal final)
    {
        if (!_runs.TryGetValue(benchmarkId, out var run) || worker < 0 || worker >= run.Workers || final.Worker != worker)
        {
            return false;
        }

        run.Finals.TryAdd(worker, final);
        return true;
    }

    /// <summary>The workers' endpoints, behind the same token as the rest of the API.</summary>
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/benchmarks/{id:guid}/workers/{worker:int}/snapshot", Results<NoContent,
            NotFound> (Guid id, int worker, WorkerSnapshot snapshot, WorkerReports reports) =>
                reports.Snapshot(id, worker, snapshot) ? TypedResults.NoContent() : TypedResults.NotFound())
            .WithName("ReportWorkerSnapshot")
            .WithSummary("A distributed run's worker reports its counters and latency histograms so far (about once a second).")
            .ExcludeFromDescription();
        api.MapPost("/benchmarks/{id:guid}/workers/{worker:int}/final", Results<NoContent,
            NotFound> (Guid id, int worker, WorkerFinal final, WorkerReports reports) =>
                reports.Final(id, worker, final) ? TypedResults.NoContent() : TypedResults.NotFound())
            .WithName("ReportWorkerFinal")
            .WithSummary("A distributed run's worker hands in every request record and its histograms at the end.")
            .ExcludeFromDescription()
            .WithMetadata(new LargeBody());
    }

    /// <summary>Final reports carry every record: larger than Kestrel's default body limit on long runs.</summary>
    private sealed class LargeBody : Microsoft.AspNetCore.Http.Metadata.IRequestSizeLimitMetadata
    {
        public long? MaxRequestBodySize => 1L << 30;
    }
}
