using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Aibench.Logs.Loki;

/// <summary>One entry of a Loki stream: its timestamp in Unix nanoseconds and the line.</summary>
internal readonly record struct LokiEntry(long UnixNanos, string Line);

/// <summary>One stream of a push: a label set and its entries, oldest first.</summary>
internal sealed record LokiStream(IReadOnlyDictionary<string, string> Labels, IReadOnlyList<LokiEntry> Entries);

internal enum PushOutcome
{
    /// <summary>2xx: the entries are stored.</summary>
    Accepted,

    /// <summary>Loki refused the content (400, 413): sending it again would fail the same way.</summary>
    Refused,

    /// <summary>Loki is down, overloaded or misconfigured: sending the same again later may succeed.</summary>
    Unavailable,
}

internal sealed record PushResult(PushOutcome Outcome, HttpStatusCode? Status, string? Detail);

/// <summary>Pushes streams to Loki in its JSON push format (POST /loki/api/v1/push).</summary>
internal sealed class LokiClient(IHttpClientFactory clients)
{
    public const string ClientName = "loki";

    public static long ToUnixNanos(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;

    public async Task<PushResult> PushAsync(LokiSettings settings, IReadOnlyList<LokiStream> streams, CancellationToken cancellationToken)
    {
        var url = new Uri(settings.Url ?? throw new InvalidOperationException("Loki has no URL."), "loki/api/v1/push");
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(Serialize(streams)) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (settings.TenantId is not null)
        {
            request.Headers.Add("X-Scope-OrgID", settings.TenantId);
        }

        try
        {
            using var response = await clients.CreateClient(ClientName).SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return new PushResult(PushOutcome.Accepted, response.StatusCode, null);
            }

            var detail = await response.Content.ReadAsStringAsync(cancellationToken);
            detail = detail.Length > 500 ? detail[..500] : detail;
            // Only a refusal of the content itself may lead to dropping lines; 401/403/404 are a wrong URL or tenant,
            // and 429/5xx are load: all of those are fixed on Loki's side and the lines must wait for it.
            var outcome = response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge
                ? PushOutcome.Refused
                : PushOutcome.Unavailable;
            return new PushResult(outcome, response.StatusCode, detail);
        }
        catch (HttpRequestException e)
        {
            return new PushResult(PushOutcome.Unavailable, null, e.Message);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            return new PushResult(PushOutcome.Unavailable, null, "timed out: " + e.Message);
        }
    }

    internal static byte[] Serialize(IReadOnlyList<LokiStream> streams)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("streams");
            foreach (var stream in streams)
            {
                json.WriteStartObject();
                json.WriteStartObject("stream");
                foreach (var (name, value) in stream.Labels)
                {
                    json.WriteString(name, value);
                }

                json.WriteEndObject();
                json.WriteStartArray("values");
                foreach (var entry in stream.Entries)
                {
                    json.WriteStartArray();
                    // Loki wants the nanoseconds as a string: a JSON number would lose precision past 2^53.
                    json.WriteStringValue(entry.UnixNanos.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    json.WriteStringValue(entry.Line);
                    json.WriteEndArray();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
