using System.Diagnostics;
using Prometheus;

namespace Aibench.Monitor.Scraping;

/// <summary>What one scrape of one target gave.</summary>
internal sealed record ScrapeResult(Target Target, IReadOnlyList<ParsedSample> Samples, int Malformed, TimeSpan Duration, string? Error);

/// <summary>
/// Fetches and parses one target. Every sample gets the target's labels (<c>job</c>, <c>replica</c>, <c>node</c>) so
/// replicas stay apart; NaN values are dropped (SQLite cannot store them) and so are OpenMetrics <c>_created</c> series.
/// </summary>
internal sealed class Scraper(IHttpClientFactory httpFactory, MonitorSettings settings)
{
    public const string ClientName = "monitor-scrape";

    /// <summary>The host itself: its aibench_* and process_* metrics, read from the registry rather than over HTTP.</summary>
    public static readonly Target HostTarget = new("aibench", "aibench", new Uri("http://localhost/metrics"), null, null, null, null, null, null);

    private const int MaxBytes = 32 * 1024 * 1024;

    public async Task<ScrapeResult> ScrapeAsync(Target target, CancellationToken ct)
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
                using var response = await httpFactory.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
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
                    || (target.Kind == "aibench" && !sample.Name.StartsWith("aibench_", StringComparison.Ordinal) && !sample.Name.StartsWith("process_", StringComparison.Ordinal)))
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
