using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Aibench.Contracts;
using Aibench.Contracts.Experiments;
using Aibench.Contracts.Server;

namespace Aibench.Notifications.Delivery;

/// <summary>
/// One thing worth telling people about, worded once: the webhook payload and the e-mail are both made from it.
/// </summary>
/// <param name="Id">
/// The event's id, derived from what happened (the experiment and how it ended, the service and its attempt), so that
/// the same event reported twice is recognised and recorded once per target.
/// </param>
/// <param name="Subject">A short title, the e-mail's subject.</param>
/// <param name="Text">The one-line summary with the link: what a chat webhook shows as is.</param>
/// <param name="Url">The page of the experiment or service.</param>
internal sealed record NotificationEvent(
    Guid Id,
    NotificationKind Kind,
    DateTimeOffset At,
    string Subject,
    string Text,
    string Url,
    ExperimentPart? Experiment,
    ExperimentHeadline? Headline,
    ServicePart? Service)
{
    /// <summary>Longest reason quoted in the one-line text; the payload's own field has all of it.</summary>
    private const int ReasonInText = 300;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public Guid? ExperimentId => Experiment?.Id;

    public Guid? ServiceId => Service?.Id ?? Experiment?.ServiceId;

    /// <summary>The JSON POSTed to webhooks. <c>text</c> makes it a valid Slack or Mattermost incoming-webhook message as is.</summary>
    public string WebhookBody() =>
        JsonSerializer.Serialize(new WebhookPayload(Kind, Id, At, Text, Url, Experiment, Headline, Service), Json);

    public static NotificationEvent Of(ExperimentFinished e, string baseUrl)
    {
        var kind = e.Outcome switch
        {
            ExperimentOutcome.Completed when e.SloPassed == false => NotificationKind.ExperimentSloMissed,
            ExperimentOutcome.Completed => NotificationKind.ExperimentCompleted,
            ExperimentOutcome.Cancelled => NotificationKind.ExperimentCancelled,
            _ => NotificationKind.ExperimentFailed,
        };
        var url = $"{baseUrl}/experiments/{e.ExperimentId}";
        var what = $"{e.Recipe}, {e.TestType}";
        var (subject, line) = kind switch
        {
            NotificationKind.ExperimentSloMissed
                => ($"Experiment \"{e.Name}\" missed its SLO", $"missed its SLO ({what}): {e.SloSummary ?? "failed"}"),
            NotificationKind.ExperimentCompleted => ($"Experiment \"{e.Name}\" completed", $"completed ({what}): {e.Reason ?? "done"}"),
            NotificationKind.ExperimentCancelled
                => ($"Experiment \"{e.Name}\" was cancelled", $"was cancelled during {e.LastStage.WireName()} ({what})"),
            _ => ($"Experiment \"{e.Name}\" failed", $"failed during {e.LastStage.WireName()} ({what}): {e.Reason ?? "no reason given"}"),
        };
        var experiment = new ExperimentPart(e.ExperimentId, e.Name, e.Recipe, e.TestType, e.Outcome, e.LastStage.WireName(), e.Reason, e.ServiceId,
            e.SloPassed is { } passed ? new SloPart(passed, e.SloSummary) : null);
        return new NotificationEvent(IdOf($"experiment:{e.ExperimentId}:{kind.WireName()}"), kind, e.At, subject,
            $"Experiment \"{e.Name}\" {Clip(line)} {url}", url, experiment, e.Headline, null);
    }

    /// <param name="service">What the Server module says of it now, for its recipe and job; null when it could not say.</param>
    public static NotificationEvent Failed(ServiceStopped e, ServiceStatusInfo? service, DateTimeOffset at, string baseUrl)
    {
        var url = $"{baseUrl}/services/{e.ServiceId}";
        var name = service?.Recipe ?? "service";
        var how = e.Status == ServiceStatus.TimedOut ? "reached its time limit" : "failed";
        var job = service?.JobId is { } j ? $", job {j}" : "";
        return new NotificationEvent(IdOf($"service:{e.ServiceId}:{e.Status}:{service?.JobId}"), NotificationKind.ServiceFailed, service?.UpdatedAt
            ?? at,
            $"Service {name} {how}", $"Service {name} ({Short(e.ServiceId)}{job}) {how}: {Clip(e.Reason ?? "no reason given")} {url}", url, null,
                null,
            new ServicePart(e.ServiceId, service?.Recipe, e.Status, e.Reason, service?.JobId, null, null, null));
    }

    public static NotificationEvent Restarted(ServiceRestarted e, string baseUrl)
    {
        var url = $"{baseUrl}/services/{e.ServiceId}";
        return new NotificationEvent(IdOf($"service:{e.ServiceId}:restarted:{e.Attempt}"), NotificationKind.ServiceRestarted, e.At,
            $"Service {e.Recipe} restarted (attempt {e.Attempt})",
            $"Service {e.Recipe} ({Short(e.ServiceId)}) restarted, attempt {e.Attempt} of {e.MaxRestarts + 1}: {Clip(e.Reason)} {url}", url, null,
                null,
            new ServicePart(e.ServiceId, e.Recipe, ServiceStatus.Restarting, e.Reason, e.PreviousJobId, e.Attempt, e.MaxRestarts,
                e.Backoff.TotalSeconds));
    }

    public static NotificationEvent Test(DateTimeOffset at, string baseUrl)
    {
        var url = $"{baseUrl}/notifications";
        return new NotificationEvent(Guid.CreateVersion7(at), NotificationKind.Test, at, "Test notification",
            $"Test notification from aibench on {System.Net.Dns.GetHostName()}: this target receives aibench's alerts. {url}", url, null, null, null);
    }

    /// <summary>A name-based id (RFC 9562 version 8 layout over SHA-256), the same for the same event every time.</summary>
    private static Guid IdOf(string what)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(what)).AsSpan(0, 16).ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }

    private static string Short(Guid id) => id.ToString()[..8];

    private static string Clip(string text)
    {
        var line = text.ReplaceLineEndings(" ").Trim();
        return line.Length > ReasonInText ? line[..(ReasonInText - 1)] + "…" : line;
    }
}

/// <summary>The payload POSTed to webhooks; sections that do not apply to the event are left out.</summary>
internal sealed record WebhookPayload(
    [property: JsonConverter(typeof(NotificationKindJson))] NotificationKind Event,
    Guid Id,
    DateTimeOffset At,
    string Text,
    string Url,
    ExperimentPart? Experiment,
    ExperimentHeadline? Headline,
    ServicePart? Service)
{
    public string Source { get; } = "aibench";
}

/// <param name="Stage">The last stage it worked in (where a failure or cancel happened).</param>
internal sealed record ExperimentPart(
    Guid Id,
    string Name,
    string Recipe,
    string TestType,
    ExperimentOutcome Outcome,
    string Stage,
    string? Reason,
    Guid? ServiceId,
    SloPart? Slo);

internal sealed record SloPart(bool Passed, string? Summary);

/// <param name="Attempt">For a restart: the attempt that starts now (2 for the first restart).</param>
/// <param name="MaxRestarts">For a restart: restarts its policy allows.</param>
/// <param name="BackoffSeconds">For a restart: the wait before the new job is submitted.</param>
internal sealed record ServicePart(
    Guid Id,
    string? Recipe,
    ServiceStatus Status,
    string? Reason,
    string? JobId,
    int? Attempt,
    int? MaxRestarts,
    double? BackoffSeconds);
