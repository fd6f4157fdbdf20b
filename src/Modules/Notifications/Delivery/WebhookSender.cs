using System.Net.Sockets;
using System.Text;

namespace Aibench.Notifications.Delivery;

/// <summary>What one attempt came to.</summary>
/// <param name="Error">Why it failed, in words for the page; never holds a secret.</param>
/// <param name="Final">Trying again cannot help (e.g. the receiver refused the payload): no retry.</param>
internal sealed record AttemptOutcome(bool Delivered, string? Error = null, bool Final = false)
{
    public static readonly AttemptOutcome Success = new(true);

    public static AttemptOutcome Failure(string error, bool final = false) => new(false, error, final);
}

/// <summary>POSTs a stored payload to a webhook, within the timeout, with the configured headers.</summary>
internal sealed class WebhookSender(IHttpClientFactory clients)
{
    public const string ClientName = "notifications";

    /// <summary>Characters of a refusal's body kept in the error: enough for Slack's <c>invalid_payload</c> or a short message.</summary>
    private const int BodyInError = 200;

    public async Task<AttemptOutcome> SendAsync(WebhookTarget target, string body, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, target.Url)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        foreach (var (name, value) in target.Headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return AttemptOutcome.Success;
            }

            if (status is >= 300 and < 400)
            {
                // The Location is not quoted: it may hold the token as the URL does.
                return AttemptOutcome.Failure($"HTTP {status} {response.ReasonPhrase}: redirected; redirects are not followed, configure "
                    + $"the final address", final: true);
            }

            var text = await ReadSomeAsync(response, deadline.Token);
            // A 4xx says the receiver will not take this payload (a bad token, an archived channel): sending the same
            // bytes again cannot help. Timeouts, rate limits and 5xx can pass.
            var final = status is >= 400 and < 500 and not (408 or 425 or 429);
            return AttemptOutcome.Failure(Sanitize(target, $"HTTP {status} {response.ReasonPhrase}{(text.Length > 0 ? $": {text}" : "")}"), final);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return AttemptOutcome.Failure($"no answer within {Shared.Text.Duration.Format(timeout)}");
        }
        catch (HttpRequestException e)
        {
            var socket = e.InnerException as SocketException ?? e.InnerException?.InnerException as SocketException;
            return AttemptOutcome.Failure(Sanitize(target, socket is null ? e.Message : $"{e.Message} ({socket.SocketErrorCode})"));
        }
    }

    private static async Task<string> ReadSomeAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            var buffer = new char[BodyInError];
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct), Encoding.UTF8);
            var read = await reader.ReadBlockAsync(buffer, ct);
            return new string(buffer, 0, read).ReplaceLineEndings(" ").Trim();
        }
        catch (Exception e) when (e is IOException or HttpRequestException or OperationCanceledException)
        {
            return "";
        }
    }

    /// <summary>Error texts come from the network stack and the receiver; the address's secret path never goes through.</summary>
    private static string Sanitize(WebhookTarget target, string text)
    {
        var masked = WebhookTarget.Mask(target.Url);
        text = text.Replace(target.Url.AbsoluteUri, masked, StringComparison.OrdinalIgnoreCase);
        if (target.Url.PathAndQuery.Length > 1)
        {
            text = text.Replace(target.Url.PathAndQuery, "/***", StringComparison.OrdinalIgnoreCase);
        }

        foreach (var value in target.Headers.Values.Where(v => v.Length >= 4))
        {
            text = text.Replace(value, "***", StringComparison.Ordinal);
        }

        return text.Length > 1000 ? text[..999] + "…" : text;
    }
}
