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
        if (change.Status != ExperimentStages.Running)
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

/// <summary>One progress report and when it arrived.</summary>
internal sealed record ProgressPoint(DateTimeOffset At, BenchmarkProgressed Progress);

/// <summary>
/// Wakes the workflow when the Server or Client module reports what a stage waits for, so a stage ends within moments
/// rather than at the next poll; the poll still covers every event lost to a restart.
/// </summary>
internal sealed class FollowExperimentEvents(IDbContextFactory<ExperimentsDbContext> dbFactory, IBackgroundJobClient jobs, ExperimentFeed feed)
    : INotificationHandler<ServiceReady>, INotificationHandler<ServiceStopped>, INotificationHandler<ServiceRestarted>, INotificationHandler<BenchmarkFinished>,
      INotificationHandler<BenchmarkProgressed>, INotificationHandler<ExperimentChanged>
{
    public ValueTask Handle(ServiceReady notification, CancellationToken cancellationToken) => WakeServiceAsync(notification.ServiceId, cancellationToken);

    public ValueTask Handle(ServiceStopped notification, CancellationToken cancellationToken) => WakeServiceAsync(notification.ServiceId, cancellationToken);

    public ValueTask Handle(ServiceRestarted notification, CancellationToken cancellationToken) => WakeServiceAsync(notification.ServiceId, cancellationToken);

    public ValueTask Handle(BenchmarkFinished notification, CancellationToken cancellationToken)
    {
        if (notification.ExperimentId is { } id)
        {
            jobs.Enqueue<AdvanceExperimentsJob>(j => j.RunOneAsync(id, CancellationToken.None));
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask Handle(BenchmarkProgressed notification, CancellationToken cancellationToken)
    {
        if (notification.ExperimentId is not null)
        {
            feed.Report(notification);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask Handle(ExperimentChanged notification, CancellationToken cancellationToken)
    {
        feed.Report(notification);
        return ValueTask.CompletedTask;
    }

    private async ValueTask WakeServiceAsync(Guid serviceId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var ids = await db.Experiments.AsNoTracking().Where(e => e.ServiceId == serviceId && e.Status == ExperimentStages.Running)
            .Select(e => e.Id).ToListAsync(ct);
        foreach (var id in ids)
        {
            jobs.Enqueue<AdvanceExperimentsJob>(j => j.RunOneAsync(id, CancellationToken.None));
        }
    }
}
