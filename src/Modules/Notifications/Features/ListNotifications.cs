using System.Text.Json.Serialization;
using Aibench.Notifications.Delivery;
using Aibench.Notifications.Persistence;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Notifications.Features;

/// <summary>Deliveries, newest first, optionally only those in one state, of one event kind, experiment or service.</summary>
/// <param name="Status"><c>pending</c>, <c>delivered</c> or <c>failed</c>.</param>
public sealed record ListNotifications(
    string? Status = null,
    string? Event = null,
    Guid? Experiment = null,
    Guid? Service = null,
    int Limit = ListNotifications.DefaultLimit) : IQuery<IReadOnlyList<NotificationDeliveryView>>
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;
}

/// <summary>One event for one target and how its delivery went; the target with its secrets masked.</summary>
/// <param name="Event">The event kind, e.g. <c>experiment.failed</c>.</param>
/// <param name="EventId">The event: the same id in the payload, for every target it went to.</param>
/// <param name="Target">The target as shown: a webhook's scheme, host and port (its path and headers are secrets), or the e-mail recipients.</param>
/// <param name="TargetKey">The target's key, as <c>GET /api/v1/notifications/targets</c> lists it.</param>
/// <param name="Attempts">Attempts made so far.</param>
/// <param name="MaxAttempts">Attempts allowed in all.</param>
/// <param name="LastError">Why the last failed attempt failed; kept after a later success.</param>
/// <param name="NextAttemptAt">When the next attempt is due, while pending.</param>
public sealed record NotificationDeliveryView(
    Guid Id,
    [property: JsonConverter(typeof(NotificationKindJson))] NotificationKind Event,
    Guid EventId,
    NotificationChannel Channel,
    string Target,
    string TargetKey,
    DeliveryStatus Status,
    string Subject,
    string Text,
    int Attempts,
    int MaxAttempts,
    string? LastError,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastAttemptAt,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? DeliveredAt,
    Guid? ExperimentId,
    Guid? ServiceId);

internal sealed class ListNotificationsValidator : AbstractValidator<ListNotifications>
{
    public ListNotificationsValidator()
    {
        RuleFor(q => q.Status)
            .Must(s => s is null || Statuses.TryParse(s, out _))
            .WithMessage(q => $"'{q.Status}' is not a delivery status; expected one of: {string.Join(", ", Statuses.Names)}.");
        RuleFor(q => q.Event)
            .Must(e => e is null || NotificationKinds.TryParse(e, out _))
            .WithMessage(q => $"'{q.Event}' is not a notification event; expected one of: {string.Join(", ", NotificationKinds.WireNames)}.");
        RuleFor(q => q.Limit).InclusiveBetween(1, ListNotifications.MaxLimit);
    }
}

internal sealed class ListNotificationsHandler(IDbContextFactory<NotificationsDbContext> dbFactory)
    : IQueryHandler<ListNotifications, IReadOnlyList<NotificationDeliveryView>>
{
    public async ValueTask<IReadOnlyList<NotificationDeliveryView>> Handle(ListNotifications query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var deliveries = db.Deliveries.AsNoTracking();
        if (Statuses.TryParse(query.Status, out var status))
        {
            deliveries = deliveries.Where(d => d.Status == status);
        }

        if (query.Event is not null && NotificationKinds.TryParse(query.Event, out var kind))
        {
            deliveries = deliveries.Where(d => d.Kind == kind);
        }

        if (query.Experiment is { } experiment)
        {
            deliveries = deliveries.Where(d => d.ExperimentId == experiment);
        }

        if (query.Service is { } service)
        {
            deliveries = deliveries.Where(d => d.ServiceId == service);
        }

        // Ids are version 7 (time-ordered), so the newest come first without ordering on a converted timestamp.
        var rows = await deliveries.OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id).Take(query.Limit).ToListAsync(cancellationToken);
        return [.. rows.Select(View)];
    }

    internal static NotificationDeliveryView View(NotificationDelivery d) => new(
        d.Id, d.Kind, d.EventId, d.Channel, d.TargetDisplay, d.Target, d.Status, d.Subject, d.Text, d.Attempts, d.MaxAttempts, d.LastError,
        d.CreatedAt, d.LastAttemptAt, d.Status == DeliveryStatus.Pending ? d.NextAttemptAt : null, d.DeliveredAt, d.ExperimentId, d.ServiceId);

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/notifications", async Task<Ok<IReadOnlyList<NotificationDeliveryView>>> (
                string? status, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "event")] string? kind, Guid? experiment, Guid? service, int? limit,
                ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new ListNotifications(status, kind, experiment, service, limit ?? ListNotifications.DefaultLimit),
                    ct)))
            .WithName("ListNotifications")
            .WithSummary("Notification deliveries, newest first; filter with ?status=failed, ?event=experiment.failed, ?experiment=, ?service=.")
            .ProducesValidationProblem();
}

/// <summary>Delivery statuses by their wire names, as the API's JSON writes them.</summary>
internal static class Statuses
{
    public static IEnumerable<string> Names => Enum.GetValues<DeliveryStatus>().Select(Name);

    public static string Name(DeliveryStatus status) => status.ToString().ToLowerInvariant();

    public static bool TryParse(string? text, out DeliveryStatus status)
    {
        status = default;
        return text is not null && !int.TryParse(text, out _) && Enum.TryParse(text.Trim(), ignoreCase: true, out status) && Enum.IsDefined(status);
    }
}
