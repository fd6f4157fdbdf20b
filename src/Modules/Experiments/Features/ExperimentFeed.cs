using System.Collections.Concurrent;
using Aibench.Contracts.Client;
using Aibench.Contracts.Experiments;
using Aibench.Contracts.Server;
using Aibench.Experiments.Jobs;
using Aibench.Experiments.Persistence;
using Hangfire;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Experiments.Features;

/// <summary>
/// What live views of experiments subscribe to: every stored change (<see cref="ExperimentChanged"/>) and the load's
/// progress about once a second. In memory only; a view that (re)connects reads the current state first.
/// </summary>
internal sealed class ExperimentFeed(TimeProvider time)
{
    /// <summary>Two hours of one-second reports; a longer soak charts its latest two hours live and all of it once finished.</summary>
    public const int MaxHistory = 7_200;

    private readonly ConcurrentDictionary<Guid, BenchmarkProgressed> _progress = new();
    private readonly ConcurrentDictionary<Guid, List<ProgressPoint>> _history = new();

    public event Action<ExperimentChanged>? Changed;

    public event Action<BenchmarkProgressed>? Progressed;

    public BenchmarkProgressed? Progress(Guid experimentId) => _progress.TryGetValue(experimentId, out var p) ? p : null;

    /// <summary>
    /// The reports of the running load so far, with when each arrived: a page opened mid-run charts them at once, since
    /// the Client module stores its per-second series only when the run ends. Empty after a restart or once it ended.
    /// </summary>
    public IReadOnlyList<ProgressPoint> History(Guid experimentId)
    {
        if (!_history.TryGetValue(experimentId, out var history))
        {
            return [];
        }

        lock (history)
        {
            return [.. history];
        }
    }

    public void Report(ExperimentChanged change)
    {
        if (change.Status != ExperimentStatus.Running)
        {
            _progress.TryRemove(change.ExperimentId, out _);
            _history.TryRemove(change.ExperimentId, out _);
        }

        Changed?.Invoke(change);
    }

    public void Report(BenchmarkProgressed progress)
    {
        var id = progress.ExperimentId!.Value;
        _progress[id] = progress;
        var history = _history.GetOrAdd(id, _ => []);
        lock (history)
        {
            // A load run again (after a restart or a retry) starts its own history.
            if (history.Count > 0 && history[^1].Progress.BenchmarkId != progress.BenchmarkId)
            {
                history.Clear();
            }

            history.Add(new ProgressPoint(time.GetUtcNow(), progress));
            if (history.Count > MaxHistory)
            {
                history.RemoveRange(0, history.Count - MaxHistory);
            }
        }

        Progressed?.Invoke(progress);
    }
}
