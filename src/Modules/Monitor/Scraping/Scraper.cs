using System.Diagnostics;
using Aibench.Shared.Resilience;
using Prometheus;

namespace Aibench.Monitor.Scraping;

/// <summary>What one scrape of one target gave.</summary>
internal sealed record ScrapeResult(Target Target, IReadOnlyList<ParsedSample> Samples, int Malformed, TimeSpan Duration, string? Error);

/// <summary>
/// Fetches and parses one target. Every sample gets the target's labels (<c>job</c>, <c>replica</c>, <c>node</c>) so
/// replicas stay apart; NaN values are dropped (SQLite cannot store them) and so are OpenMetrics <c>_created</c> series.
/// <para>
/// Each target (<c>host:port</c>) has a circuit breaker, <c>scrape:&lt;host&gt;:&lt;port&gt;</c>: every failed scrape counts
/// (no answer, refused, an error status, too big), since a target is scraped only while its service is ready and
/// should answer. After 3 failed scrapes in a row the target is not asked for 3 intervals (at least 10 s, at most a
/// minute); each skipped scrape is recorded as down with the error "circuit open since …", then one trial scrape
/// decides. A hung target thus stops costing a timeout every interval.
/// </para>
/// </summary>
internal sealed class Scraper(IHttpClientFactory httpFactory, MonitorSettings settings, CircuitBreakers breakers)
{
    public const string ClientName = "monitor-scrape";

    /// <summary>The host itself: its aibench_* and process_* metrics, read from the registry rather than over HTTP.</summary>
    public static readonly Target HostTarget = new("aibench", "aibench", new Uri("http://localhost/metrics"), null, null, null, null, null, null);

    private const int MaxBytes = 32 * 1024 * 1024;

    /// <summary>
    /// Open after 3 failed scrapes in a row (15 s at the default 5 s interval; the window holds 10 intervals so that they
    /// always fit), then skip the target for 3 intervals, between 10 s and a minute.
    /// </summary>
    public static BreakerPolicy Policy(MonitorSettings settings)
    {
        var interval = TimeSpan.FromSeconds(settings.ScrapeSeconds);
        return new BreakerPolicy(3, interval * 10, TimeSpan.FromSeconds(Math.Clamp(interval.TotalSeconds * 3, 10, 60)));
    }

    public async Task<ScrapeResult> ScrapeAsync(Target target, CancellationToken ct)
    {
        if (target.Kind == "aibench")
        {
            return await ScrapeOnceAsync(target, ct);
        }

        var breaker = breakers.Get(CircuitNames.Scrape(target.Url), Policy(settings), static _ => null, transient: true);
        var started = Stopwatch.GetTimestamp();
        try
        {
            return await breaker.ExecuteAsync(t => ScrapeOnceAsync(target, t), r => r.Error, ct);
        }
        catch (CircuitOpenException)
        {
            return Failed(target, started, breaker.Describe());
        }
    }

    private async Task<ScrapeResult> ScrapeOnceAsync(Target target, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            byte[] body;
            if (target.Kind == "aibench")
            {
                using var buffer = new MemoryStream();
                await Metrics.DefaultRegistry.CollectAndExportAsTextAsync(buffer, ct);
                body = buffer.ToArray();
            }
            else
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(settings.ScrapeTimeout);
                using var request = new HttpRequestMessage(HttpMethod.Get, target.Url);
                request.Headers.Accept.ParseAdd("text/plain; version=0.0.4");
                using var response = await httpFactory.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead,
                    timeout.Token);
                if (!response.IsSuccessStatusCode)
                {
                    return Failed(target, started, $"HTTP {(int)response.StatusCode}");
                }

                if (response.Content.Headers.ContentLength > MaxBytes)
                {
                    return Failed(target, started, $"answer of {response.Content.Headers.ContentLength} bytes exceeds {MaxBytes}");
                }

                body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            }

            var exposition = ExpositionParser.Parse(body);
            var extra = ExtraLabels(target);
            var samples = new List<ParsedSample>(exposition.Samples.Count);
            foreach (var sample in exposition.Samples)
            {
                if (double.IsNaN(sample.Value) || sample.Name.EndsWith("_created", StringComparison.Ordinal)
                    || (target.Kind == "aibench" && !sample.Name.StartsWith("aibench_", StringComparison.Ordinal)
                        && !sample.Name.StartsWith("process_", StringComparison.Ordinal)))
                {
                    continue;
                }

                samples.Add(sample with { Labels = WithLabels(sample.Labels, extra) });
            }

            return new ScrapeResult(target, samples, exposition.Malformed, Stopwatch.GetElapsedTime(started), null);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return Failed(target, started, $"no answer within {settings.ScrapeTimeout.TotalSeconds:0.#}s");
        }
        catch (HttpRequestException e)
        {
            return Failed(target, started, e.Message);
        }
    }

    private static ScrapeResult Failed(Target target, long started, string error) =>
        new(target, [], 0, Stopwatch.GetElapsedTime(started), error);

    private static KeyValuePair<string, string>[] ExtraLabels(Target target)
    {
        var labels = new List<KeyValuePair<string, string>> { new("job", target.Kind) };
        if (target.Replica is { } replica) labels.Add(new("replica", replica.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        if (target.Node is { } node) labels.Add(new("node", node));
        return [.. labels];
    }

    /// <summary>The target's labels win over the exposition's own of the same name, as Prometheus' honor_labels: false does.</summary>
    private static string WithLabels(string canonical, KeyValuePair<string, string>[] extra)
    {
        var merged = canonical.Length == 0 ? new Dictionary<string, string>() : new Dictionary<string, string>(LabelText.Parse(canonical));
        foreach (var (key, value) in extra)
        {
            if (merged.TryGetValue(key, out var own))
            {
                merged["exported_" + key] = own;
            }

            merged[key] = value;
        }

        return LabelText.Format(merged);
    }
}
