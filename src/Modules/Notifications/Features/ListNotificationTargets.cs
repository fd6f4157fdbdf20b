using System.Text.Json.Serialization;
using Aibench.Notifications.Delivery;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Aibench.Notifications.Features;

/// <summary>The configured targets, as the settings give them, secrets masked.</summary>
public sealed record ListNotificationTargets : IQuery<NotificationTargetsView>;

/// <param name="RetryDelays">The waits before each retry, e.g. <c>10s</c>.</param>
/// <param name="MaxAttempts">Attempts per delivery in all.</param>
/// <param name="Timeout">How long one attempt may take.</param>
/// <param name="BaseUrl">Where links in notifications point.</param>
public sealed record NotificationTargetsView(
    IReadOnlyList<NotificationTargetView> Targets,
    IReadOnlyList<string> RetryDelays,
    int MaxAttempts,
    string Timeout,
    string BaseUrl);

/// <param name="Key">Identifies the target in deliveries: a hash of its address, never the address.</param>
/// <param name="Name">Its name, or the masked address.</param>
/// <param name="Address">A webhook's scheme, host and port (its path is a secret), or the e-mail recipients.</param>
/// <param name="Headers">A webhook's extra headers, every value shown as <c>***</c>.</param>
/// <param name="Events">The events it receives; empty means all.</param>
public sealed record NotificationTargetView(
    string Key,
    NotificationChannel Channel,
    string Name,
    string Address,
    IReadOnlyDictionary<string, string> Headers,
    [property: JsonConverter(typeof(NotificationKindListJson))] IReadOnlyList<NotificationKind> Events);

internal sealed class ListNotificationTargetsHandler(NotificationsSettings settings, LinkBase links)
    : IQueryHandler<ListNotificationTargets, NotificationTargetsView>
{
    public const string Masked = "***";

    public ValueTask<NotificationTargetsView> Handle(ListNotificationTargets query, CancellationToken cancellationToken)
    {
        var targets = settings.Targets.Select(t => t switch
        {
            WebhookTarget w => new NotificationTargetView(w.Key, w.Channel, w.Name ?? $"webhook {w.Index}", WebhookTarget.Mask(w.Url),
                w.Headers.Keys.Order(StringComparer.OrdinalIgnoreCase).ToDictionary(k => k, _ => Masked), Events(w)),
            EmailTarget e => new NotificationTargetView(e.Key, e.Channel, "e-mail", string.Join(", ", e.To),
                new Dictionary<string, string>(), Events(e)),
            _ => throw new InvalidOperationException($"Unknown target {t.GetType().Name}"),
        }).ToList();
        return ValueTask.FromResult(new NotificationTargetsView(targets, [.. settings.RetryDelays.Select(Shared.Text.Duration.Format)],
            settings.MaxAttempts, Shared.Text.Duration.Format(settings.Timeout), links.Url));
    }

    private static IReadOnlyList<NotificationKind> Events(NotificationTarget t) =>
        t.Events is null ? [] : [.. NotificationKinds.Selectable.Where(t.Events.Contains)];

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/notifications/targets", async Task<Ok<NotificationTargetsView>> (ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new ListNotificationTargets(), ct)))
            .WithName("ListNotificationTargets")
            .WithSummary("The configured webhooks and e-mail, with header values and webhook paths masked.");
}

/// <summary>A list of kinds by their wire names.</summary>
internal sealed class NotificationKindListJson : JsonConverter<IReadOnlyList<NotificationKind>>
{
    private static readonly NotificationKindJson One = new();

    public override IReadOnlyList<NotificationKind> Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert,
        System.Text.Json.JsonSerializerOptions options)
    {
        var kinds = new List<NotificationKind>();
        while (reader.Read() && reader.TokenType != System.Text.Json.JsonTokenType.EndArray)
        {
            kinds.Add(One.Read(ref reader, typeof(NotificationKind), options));
        }

        return kinds;
    }

    public override void Write(System.Text.Json.Utf8JsonWriter writer, IReadOnlyList<NotificationKind> value, System.Text.Json.JsonSerializerOptions
        options)
    {
        writer.WriteStartArray();
        foreach (var kind in value)
        {
            One.Write(writer, kind, options);
        }

        writer.WriteEndArray();
    }
}
