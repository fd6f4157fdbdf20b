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

/// <summary>One progress report and when it arrived.</summary>
internal sealed record ProgressPoint(DateTimeOffset At, BenchmarkProgressed Progress);

/// <summary>
/// Wakes the workflow when the Server or Client module reports what a stage waits for, so a stage ends within moments
/// rather than at the next poll; the poll still covers every event lost to a restart.
/// </summary>
internal sealed class FollowExperimentEvents(IDbContextFactory<ExperimentsDbContext> dbFactory, IBackgroundJobClient jobs, ExperimentFeed feed)
    : INotificationHandler<ServiceReady>, INotificationHandler<ServiceStopped>, INotificationHandler<ServiceRestarted>,
        INotificationHandler<BenchmarkFinished>,
      INotificationHandler<BenchmarkProgressed>, INotificationHandler<ExperimentChanged>
{
    public ValueTask Handle(ServiceReady notification, CancellationToken cancellationToken)
        => WakeServiceAsync(notification.ServiceId, cancellationToken);

    public ValueTask Handle(ServiceStopped notification, CancellationToken cancellationToken)
        => WakeServiceAsync(notification.ServiceId, cancellationToken);

    public ValueTask Handle(ServiceRestarted notification, CancellationToken cancellationToken)
        => WakeServiceAsync(notification.ServiceId, cancellationToken);

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
        var ids = await db.Experiments.AsNoTracking().Where(e => e.ServiceId == serviceId && e.Status == ExperimentStatus.Running)
            .Select(e => e.Id).ToListAsync(ct);
        foreach (var id in ids)
        {
            jobs.Enqueue<AdvanceExperimentsJob>(j => j.RunOneAsync(id, CancellationToken.None));
        }
    }
}
