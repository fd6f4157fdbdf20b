using System.Text.Json;
using System.Text.Json.Serialization;

namespace Aibench.Notifications.Delivery;

/// <summary>What a notification is about; its wire name (<c>experiment.completed</c>, …) is the payload's <c>event</c>.</summary>
public enum NotificationKind
{
    /// <summary>An experiment ran to the end and met its SLO (or had none).</summary>
    ExperimentCompleted,

    /// <summary>An experiment ran to the end and missed its SLO: sent instead of <see cref="ExperimentCompleted"/>.</summary>
    ExperimentSloMissed,

    /// <summary>An experiment failed.</summary>
    ExperimentFailed,

    /// <summary>An experiment was cancelled on request.</summary>
    ExperimentCancelled,

    /// <summary>A service failed or reached its time limit.</summary>
    ServiceFailed,

    /// <summary>A service's job failed and its restart policy resubmitted it.</summary>
    ServiceRestarted,

    /// <summary>Sent on request (<c>POST /api/v1/notifications/test</c>, the page's button) to every target.</summary>
    Test,
}

public static class NotificationKinds
{
    private static readonly Dictionary<NotificationKind, string> Names = new()
    {
        [NotificationKind.ExperimentCompleted] = "experiment.completed",
        [NotificationKind.ExperimentSloMissed] = "experiment.slo_missed",
        [NotificationKind.ExperimentFailed] = "experiment.failed",
        [NotificationKind.ExperimentCancelled] = "experiment.cancelled",
        [NotificationKind.ServiceFailed] = "service.failed",
        [NotificationKind.ServiceRestarted] = "service.restarted",
        [NotificationKind.Test] = "test",
    };

    /// <summary>The kinds a target can ask for in its <c>Events</c> list (a test goes to every target anyway).</summary>
    public static readonly IReadOnlyList<NotificationKind> Selectable = [.. Names.Keys.Where(k => k != NotificationKind.Test)];

    public static IEnumerable<string> WireNames => Names.Values;

    public static string WireName(this NotificationKind kind) => Names[kind];

    public static bool TryParse(string? text, out NotificationKind kind)
    {
        foreach (var (k, name) in Names)
        {
            if (string.Equals(name, text?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                kind = k;
                return true;
            }
        }

        kind = default;
        return false;
    }
}

/// <summary>Writes a kind by its wire name (the host's enum converter would write <c>experiment_completed</c>).</summary>
internal sealed class NotificationKindJson : JsonConverter<NotificationKind>
{
    public override NotificationKind Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        NotificationKinds.TryParse(reader.GetString(), out var kind) ? kind
            : throw new JsonException($"'{reader.GetString()}' is not a notification event.");

    public override void Write(Utf8JsonWriter writer, NotificationKind value, JsonSerializerOptions options)
        => writer.WriteStringValue(value.WireName());
}
