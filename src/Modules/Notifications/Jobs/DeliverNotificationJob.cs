using Aibench.Notifications.Delivery;
using Aibench.Notifications.Persistence;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Aibench.Notifications.Jobs;

/// <summary>
/// One attempt at one delivery: POST the stored payload (or pipe the stored message to sendmail) within
/// <c>Notifications:Timeout</c>, store the outcome, and schedule the next attempt after the next of
/// <c>Notifications:RetryDelays</c> while any are left. Its own retries rather than Hangfire's, so that the attempt
/// count, the last error and the next attempt are stored and shown. Runs on its own queue with its own workers, so a
/// slow or dead webhook never holds up the workers that drive experiments. Idempotent: a delivery already sent, given
/// up on, not yet due, or being tried by another job is left alone.
/// </summary>
[AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
[Queue(NotificationsModule.Queue)]
internal sealed class DeliverNotificationJob(
    IDbContextFactory<NotificationsDbContext> dbFactory,
    NotificationsSettings settings,
    WebhookSender webhooks,
    IBackgroundJobClient jobs,
    TimeProvider time,
    ILogger<DeliverNotificationJob> logger)
{
    /// <summary>A scheduled retry may start this much before its time (the clocks of the scheduler and the row differ by rounding).</summary>
    private static readonly TimeSpan Early = TimeSpan.FromSeconds(2);

    public async Task RunAsync(Guid deliveryId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // The claim: one attempt at a time, however many jobs for this delivery run (a sweep's and a scheduled one).
        var due = now + Early;
        var claimed = await db.Deliveries
            .Where(d => d.Id == deliveryId && d.Status == DeliveryStatus.Pending
                && (d.ClaimedUntil == null || d.ClaimedUntil < now) && (d.NextAttemptAt == null || d.NextAttemptAt <= due))
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.ClaimedUntil, now + settings.Timeout + TimeSpan.FromMinutes(1)), cancellationToken);
        if (claimed == 0)
        {
            return;
        }

        var delivery = await db.Deliveries.SingleAsync(d => d.Id == deliveryId, CancellationToken.None);
        var target = settings.Targets.FirstOrDefault(t => t.Key == delivery.Target);
        AttemptOutcome outcome;
        try
        {
            outcome = target switch
            {
                // Its URL (or the recipients) changed or it was removed since the event: the stored key leads nowhere.
                null => AttemptOutcome.Failure("the target is no longer configured (its address changed or it was removed)", final: true),
                WebhookTarget webhook => await webhooks.SendAsync(webhook, delivery.Body, settings.Timeout, cancellationToken),
                EmailTarget email => await EmailSender.SendAsync(email, delivery.Body, settings.Timeout, cancellationToken),
                _ => AttemptOutcome.Failure($"no sender for {target.Channel}", final: true),
            };
        }
        catch (OperationCanceledException)
        {
            // The host stops: the attempt does not count, and the claim goes so that the next start need not wait for it to expire.
            await db.Deliveries.Where(d => d.Id == deliveryId).ExecuteUpdateAsync(s => s.SetProperty(d => d.ClaimedUntil, (DateTimeOffset?)null),
                CancellationToken.None);
            throw;
        }

        var ended = time.GetUtcNow();
        delivery.Attempts++;
        delivery.LastAttemptAt = ended;
        delivery.MaxAttempts = Math.Max(settings.MaxAttempts, delivery.Attempts);
        delivery.ClaimedUntil = null;
        TimeSpan? retryIn = null;
        if (outcome.Delivered)
        {
            delivery.Status = DeliveryStatus.Delivered;
            delivery.DeliveredAt = ended;
            delivery.NextAttemptAt = null;
        }
        else
        {
            delivery.LastError = Clip(outcome.Error ?? "failed");
            if (outcome.Final || delivery.Attempts >= settings.MaxAttempts)
            {
                delivery.Status = DeliveryStatus.Failed;
                delivery.NextAttemptAt = null;
            }
            else
            {
                retryIn = settings.RetryDelays[Math.Min(delivery.Attempts - 1, settings.RetryDelays.Count - 1)];
                delivery.NextAttemptAt = ended + retryIn;
            }
        }

        // Not the job's token: the attempt happened, and its outcome must be stored even while the host stops.
        await db.SaveChangesAsync(CancellationToken.None);
        if (retryIn is { } delay)
        {
            jobs.Schedule<DeliverNotificationJob>(j => j.RunAsync(deliveryId, CancellationToken.None), delay);
        }

        if (delivery.Status == DeliveryStatus.Delivered)
        {
            logger.LogInformation("Notification {Event} {EventId} delivered to {Target} (attempt {Attempt})",
                delivery.Kind.WireName(), delivery.EventId, delivery.TargetDisplay, delivery.Attempts);
        }
        else
        {
            logger.LogWarning("Notification {Event} {EventId} to {Target}: attempt {Attempt} of {Max} failed: {Error}{Next}",
                delivery.Kind.WireName(), delivery.EventId, delivery.TargetDisplay, delivery.Attempts, delivery.MaxAttempts, delivery.LastError,
                retryIn is { } d ? $"; next attempt in {Shared.Text.Duration.Format(d)}" : "; given up");
        }
    }

    private static string Clip(string text) => text.Length > 1024 ? text[..1023] + "…" : text;
}
