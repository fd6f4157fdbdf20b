using System.Globalization;
using System.Net.Sockets;
using Aibench.Shared.Resilience;

namespace Aibench.Server.Lifecycle;

/// <summary>What one probe of one endpoint found.</summary>
/// <param name="Ready">A 2xx came from the readiness path in time.</param>
/// <param name="Error">Why not: <c>HTTP 503</c>, <c>connection refused</c>, <c>no answer within 3 s</c>, or the circuit's
/// state when the probe was skipped.</param>
/// <param name="Skipped">Not asked at all: the endpoint's circuit is open, because its last probes got no answer. Not a
/// new observation of the endpoint: the earlier timeouts are.</param>
internal sealed record ProbeResult(bool Ready, string? Error = null, bool Skipped = false);

/// <summary>
/// Asks an endpoint whether it is ready: any 2xx from its readiness path within a few seconds. Each endpoint
/// (<c>host:port</c>) has a circuit breaker, <c>probe:&lt;host&gt;:&lt;port&gt;</c>, that counts only probes that got
/// <em>no answer</em> — a timeout, an unreachable host or network, an unknown name. Those are what cost: every such
/// probe holds the poll for the full timeout. A refused connection or an error status is an answer, and it is what a
/// starting server gives until it listens, so a starting service never opens its circuit and is seen ready at the
/// first poll that finds it so. After 3 unanswered probes in a row (within 2 minutes) the endpoint is not asked for
/// 10 s: <see cref="ProbeAsync"/> returns at once with <c>Skipped</c>; then one trial probe decides.
/// </summary>
internal sealed class ReadinessProbe(IHttpClientFactory clients, CircuitBreakers breakers)
{
    public const string ClientName = "aibench-readiness";

    /// <summary>How long one probe waits (the named client's timeout).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    /// <summary>
    /// 3 unanswered probes are at least 9 s of waiting; 10 s off is five 2 s polls, and the most a hung endpoint that
    /// recovers waits to be seen ready again — small next to a model's minutes of loading.
    /// </summary>
    public static readonly BreakerPolicy Policy = new(3, TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(10));

    /// <summary>
    /// Forgets the endpoint's circuit: for an endpoint that is new at an old address (a restarted service's replica on
    /// the same node and port), whose first probes must not be skipped because of its predecessor's silence.
    /// </summary>
    public bool Reset(string baseUrl) =>
        Uri.TryCreate(baseUrl, UriKind.Absolute, out var url) && breakers.Remove(CircuitNames.Probe(url));

    /// <summary>Whether the endpoint answered its readiness path with a 2xx (false too when the probe was skipped).</summary>
    public async Task<bool> AnswersAsync(string baseUrl, string path, CancellationToken cancellationToken) =>
        (await ProbeAsync(baseUrl, path, cancellationToken)).Ready;

    public async Task<ProbeResult> ProbeAsync(string baseUrl, string path, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(baseUrl + path, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            return new ProbeResult(false, $"'{baseUrl}{path}' is not an http URL");
        }

        var breaker = breakers.Get(CircuitNames.Probe(url), Policy, static _ => null, transient: true);
        try
        {
            var (result, _) = await breaker.ExecuteAsync(ct => AskAsync(url, ct), r => r.Unanswered, cancellationToken);
            return result;
        }
        catch (CircuitOpenException)
        {
            return new ProbeResult(false, breaker.Describe(), Skipped: true);
        }
    }

    /// <summary>One probe; the second value is set when the endpoint did not answer at all (what the breaker counts).</summary>
    private async Task<(ProbeResult Result, string? Unanswered)> AskAsync(Uri url, CancellationToken cancellationToken)
    {
        var client = clients.CreateClient(ClientName);
        try
        {
            using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            return (response.IsSuccessStatusCode ? new ProbeResult(true) : new ProbeResult(false, $"HTTP {(int)response.StatusCode}"), null);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var error = string.Create(CultureInfo.InvariantCulture, $"no answer within {client.Timeout.TotalSeconds:0.###} s");
            return (new ProbeResult(false, error), error);
        }
        catch (HttpRequestException e)
        {
            var socket = e.InnerException as SocketException;
            var error = socket?.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused",
                _ => e.Message,
            };
            var unanswered = socket?.SocketErrorCode is SocketError.TimedOut or SocketError.HostUnreachable or SocketError.NetworkUnreachable
                or SocketError.HostDown or SocketError.NetworkDown or SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData;
            return (new ProbeResult(false, error), unanswered ? error : null);
        }
    }
}
