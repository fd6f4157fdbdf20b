using Aibench.Notifications.Delivery;
using Aibench.Shared.Api;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Aibench.Notifications.Features;

/// <summary>Sends a <c>test</c> event to every configured target, whatever its <c>Events</c> list; 409 when none is configured.</summary>
public sealed record SendTestNotification : ICommand<TestNotificationView>;

/// <param name="EventId">The test event's id, as in its payload.</param>
/// <param name="Deliveries">One per target, pending: follow them with <c>GET /api/v1/notifications</c>.</param>
public sealed record TestNotificationView(Guid EventId, IReadOnlyList<NotificationDeliveryView> Deliveries);

internal sealed class SendTestNotificationHandler(DeliveryOutbox outbox, NotificationsSettings settings, LinkBase links, TimeProvider time)
    : ICommandHandler<SendTestNotification, TestNotificationView>
{
    public async ValueTask<TestNotificationView> Handle(SendTestNotification command, CancellationToken cancellationToken)
    {
        if (!settings.Targets.Any())
        {
            throw new ConflictException("No notification target is configured: add Notifications:Webhooks:0:Url or enable Notifications:Email (see "
                + "docs/notifications.md).");
        }

        var e = NotificationEvent.Test(time.GetUtcNow(), links.Url);
        var deliveries = await outbox.RecordAsync(e, cancellationToken);
        return new TestNotificationView(e.Id, [.. deliveries.Select(ListNotificationsHandler.View)]);
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapPost("/notifications/test", async Task<Accepted<TestNotificationView>> (ISender sender, CancellationToken ct) =>
            {
                var sent = await sender.Send(new SendTestNotification(), ct);
                return TypedResults.Accepted($"/api/v1/notifications?limit={Math.Max(1, sent.Deliveries.Count)}", sent);
            })
            .WithName("SendTestNotification")
            .WithSummary("Send a test event to every configured webhook and e-mail; 202 with the pending deliveries, 409 when none is configured.")
            .ProducesProblem(StatusCodes.Status409Conflict);
}
