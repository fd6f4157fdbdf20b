using Aibench.Notifications.Persistence;
using Aibench.Shared.Modules;
using Hangfire;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Notifications.Jobs;

/// <summary>
/// Every minute: enqueues the deliveries whose attempt is overdue, which happens when their scheduled job was lost
/// (Hangfire's in-memory store, used with SQLite, forgets its queue at a restart), and deletes deliveries finished more
/// than <see cref="Retention"/> ago. Overdue means a minute late, so the scheduled job normally goes first; the claim in
/// <see cref="DeliverNotificationJob"/> keeps the two from sending twice.
/// </summary>
[AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
[DisableConcurrentExecution(timeoutInSeconds: 30)]
internal sealed class ResumeDeliveriesJob(IDbContextFactory<NotificationsDbContext> dbFactory, IBackgroundJobClient jobs, TimeProvider time)
    : IRecurringJob
{
    public const string RecurringId = "notifications:resume";

    public static readonly TimeSpan Overdue = TimeSpan.FromMinutes(1);

    public static readonly TimeSpan Retention = TimeSpan.FromDays(90);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var overdue = now - Overdue;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var ids = await db.Deliveries.AsNoTracking()
            .Where(d => d.Status == DeliveryStatus.Pending && d.NextAttemptAt != null && d.NextAttemptAt <= overdue
                && (d.ClaimedUntil == null || d.ClaimedUntil < now))
            .OrderBy(d => d.NextAttemptAt).Select(d => d.Id).Take(500).ToListAsync(cancellationToken);
        foreach (var id in ids)
        {
            jobs.Enqueue<DeliverNotificationJob>(j => j.RunAsync(id, CancellationToken.None));
        }

        var old = now - Retention;
        await db.Deliveries.Where(d => d.Status != DeliveryStatus.Pending && d.CreatedAt < old).ExecuteDeleteAsync(cancellationToken);
    }
}
