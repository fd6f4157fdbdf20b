using Aibench.Contracts.Experiments;
using Aibench.Contracts.Server;
using Aibench.Notifications.Delivery;
using Mediator;
using Microsoft.Extensions.Logging;

namespace Aibench.Notifications.Features;

/// <summary>
/// Turns the events of other modules into deliveries: an experiment's end (completed, SLO missed, failed, cancelled),
/// a service that failed or reached its time limit, a service restarted by its policy. Only records and enqueues; a
/// failure here is logged and never reaches the module that published the event.
/// </summary>
internal sealed class RecordNotifications(
    DeliveryOutbox outbox,
    LinkBase links,
    ISender sender,
    NotificationsSettings settings,
    TimeProvider time,
    ILogger<RecordNotifications> logger)
    : INotificationHandler<ExperimentFinished>, INotificationHandler<ServiceStopped>, INotificationHandler<ServiceRestarted>
{
    public ValueTask Handle(ExperimentFinished notification, CancellationToken cancellationToken) =>
        RecordAsync(() => Task.FromResult(NotificationEvent.Of(notification, links.Url)), cancellationToken);

    public ValueTask Handle(ServiceStopped notification, CancellationToken cancellationToken)
    {
        if (notification.Status is not (ServiceStatus.Failed or ServiceStatus.TimedOut))
        {
            // Completed and cancelled services ended as meant; an experiment's own end is reported by the experiment.
            return ValueTask.CompletedTask;
        }

        return RecordAsync(async () =>
        {
            // The recipe and job id make the message readable; the Server module has them, the event does not.
            var service = await sender.Send(new GetServiceStatus(notification.ServiceId), cancellationToken);
            return NotificationEvent.Failed(notification, service, time.GetUtcNow(), links.Url);
        }, cancellationToken);
    }

    public ValueTask Handle(ServiceRestarted notification, CancellationToken cancellationToken) =>
        RecordAsync(() => Task.FromResult(NotificationEvent.Restarted(notification, links.Url)), cancellationToken);

    private async ValueTask RecordAsync(Func<Task<NotificationEvent>> make, CancellationToken ct)
    {
        if (!settings.Targets.Any())
        {
            return;
        }

        try
        {
            await outbox.RecordAsync(await make(), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Alerts are a side line: the publisher (the experiment workflow, the service poll) carries on regardless.
            logger.LogError(e, "A notification could not be recorded");
        }
    }
}
