using System.Collections.Concurrent;
using Aibench.Contracts.Client;

namespace Aibench.Client.Jobs;

/// <summary>The runs going on in this host: how to stop each, and its latest progress for the pages.</summary>
internal sealed class ActiveBenchmarks
{
    private readonly ConcurrentDictionary<Guid, CancellationTokenSource> _running = new();
    private readonly ConcurrentDictionary<Guid, BenchmarkProgressed> _progress = new();

    public CancellationTokenSource Register(Guid id, CancellationToken hostStopping)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(hostStopping);
        _running[id] = cts;
        return cts;
    }

    public void Unregister(Guid id)
    {
        if (_running.TryRemove(id, out var cts))
        {
            cts.Dispose();
        }

        _progress.TryRemove(id, out _);
    }

    public bool IsRunningHere(Guid id) => _running.ContainsKey(id);

    public bool Cancel(Guid id)
    {
        if (!_running.TryGetValue(id, out var cts))
        {
            return false;
        }

        try
        {
            cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Finished in the meantime.
        }

        return true;
    }

    public void Report(BenchmarkProgressed progress)
    {
        if (_running.ContainsKey(progress.BenchmarkId))
        {
            _progress[progress.BenchmarkId] = progress;
        }
    }

    public BenchmarkProgressed? Progress(Guid id) => _progress.GetValueOrDefault(id);
}
