using Aibench.Notifications.Jobs;
using Aibench.Notifications.Persistence;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Aibench.Notifications.Delivery;

/// <summary>
/// Records an event for each target that wants it and hands each delivery to a job: no network I/O here, so the
/// experiment or service whose event it is never waits on a webhook. Idempotent: one delivery per event and target.
/// </summary>
internal sealed class DeliveryOutbox(
    IDbContextFactory<NotificationsDbContext> dbFactory,
    NotificationsSettings settings,
    IBackgroundJobClient jobs,
    TimeProvider time,
    ILogger<DeliveryOutbox> logger)
{
    /// <summary>The deliveries recorded now; empty when no target wants the event or it was recorded before.</summary>
    public async Task<IReadOnlyList<NotificationDelivery>> RecordAsync(NotificationEvent e, CancellationToken ct)
    {
        var targets = settings.Targets.Where(t => t.Wants(e.Kind)).ToList();
        if (targets.Count == 0)
        {
            return [];
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var keys = targets.Select(t => t.Key).ToList();
        var known = await db.Deliveries.AsNoTracking().Where(d => d.EventId == e.Id && keys.Contains(d.Target)).Select(d => d.Target).ToListAsync(ct);
        var now = time.GetUtcNow();
        var added = targets.Where(t => !known.Contains(t.Key)).Select(t => new NotificationDelivery
        {
            Id = Guid.CreateVersion7(now),
            EventId = e.Id,
            Kind = e.Kind,
            Channel = t.Channel,
            Target = t.Key,
            TargetDisplay = Clip(t.Display, 512),
            Subject = Clip(e.Subject, 512),
            Text = Clip(e.Text, 2048),
            Body = t is EmailTarget email ? EmailSender.Compose(email, e) : e.WebhookBody(),
            ExperimentId = e.ExperimentId,
            ServiceId = e.ServiceId,
            Status = DeliveryStatus.Pending,
            MaxAttempts = settings.MaxAttempts,
            CreatedAt = now,
            NextAttemptAt = now,
        }).ToList();
        if (added.Count == 0)
        {
            return [];
        }

        db.Deliveries.AddRange(added);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex)
        {
            // The same event recorded at the same moment by another handler call: that one sends it.
            await using var again = await dbFactory.CreateDbContextAsync(ct);
            if (!await again.Deliveries.AsNoTracking().AnyAsync(d => d.EventId == e.Id, ct))
            {
                throw;
            }

            logger.LogDebug(ex, "Notification {EventId} was recorded concurrently", e.Id);
            return [];
        }

        foreach (var delivery in added)
        {
            var id = delivery.Id;
            // Should the queue not take it (storage trouble), the catch-up sweep finds the pending delivery within minutes.
            jobs.Enqueue<DeliverNotificationJob>(j => j.RunAsync(id, CancellationToken.None));
        }

        logger.LogInformation("Notification {Event} {EventId} queued for {Targets}", e.Kind.WireName(), e.Id,
            string.Join("; ", added.Select(d => d.TargetDisplay)));
        return added;
    }

    private static string Clip(string text, int max) => text.Length > max ? text[..(max - 1)] + "…" : text;
}
