using Mediator;

namespace Aibench.Contracts.Monitor;

/// <summary>
/// Asks the Monitor module what a service's own latency histograms (vLLM's TTFT, queue, prefill, decode and E2E)
/// recorded over a window: the increase of each bucket, sum and count between two scrapes, added over every replica.
/// The deltas run from the first scrape at or after <paramref name="From"/> to the first scrape at or after
/// <paramref name="To"/> (or the last one before it, when the service was no longer scraped after the window), so
/// requests that finished just before the window (a warm-up's last ones) are not counted; docs/metrics.md has the
/// formulas.
/// </summary>
/// <param name="Service">The service whose replicas were scraped.</param>
/// <param name="From">Start of the window, e.g. when the measured run started.</param>
/// <param name="To">End of the window, e.g. when the measured run ended.</param>
public sealed record GetServerLatencies(Guid Service, DateTimeOffset From, DateTimeOffset To) : IQuery<ServerLatencies>;

/// <summary>A service's latency histograms over a window, as deltas. Milliseconds.</summary>
/// <param name="From">Time of the scrape the deltas start from; null when fewer than two scrapes fell in the window.</param>
/// <param name="To">Time of the scrape the deltas end at; null likewise.</param>
/// <param name="Targets">Scrape targets (replicas) whose histograms were added.</param>
/// <param name="Ttft"><c>vllm:time_to_first_token_seconds</c>; null when it recorded nothing in the window.</param>
/// <param name="Queue"><c>vllm:request_queue_time_seconds</c>: arrival to first scheduling.</param>
/// <param name="Prefill"><c>vllm:request_prefill_time_seconds</c>: scheduling to first token.</param>
/// <param name="Decode"><c>vllm:request_decode_time_seconds</c>: first to last token.</param>
/// <param name="E2e"><c>vllm:e2e_request_latency_seconds</c>: arrival to the end.</param>
/// <param name="Exported">Whether the service's scrapes hold any of these histograms at all (false: nothing to wait for).</param>
/// <param name="Closed">Whether a scrape at or after <paramref name="To"/> is stored, so the window's last requests are in.</param>
public sealed record ServerLatencies(
    DateTimeOffset? From,
    DateTimeOffset? To,
    int Targets,
    ServerLatency? Ttft,
    ServerLatency? Queue,
    ServerLatency? Prefill,
    ServerLatency? Decode,
    ServerLatency? E2e,
    bool Exported = false,
    bool Closed = false);

/// <summary>One latency histogram over a window, as the service recorded it.</summary>
/// <param name="Metric">The histogram's name, e.g. <c>vllm:request_queue_time_seconds</c>.</param>
/// <param name="Count">Observations in the window (Δcount).</param>
/// <param name="MeanMs">Δsum / Δcount: exact, whatever the buckets.</param>
/// <param name="P50">Median as histogram_quantile interpolates it within its bucket.</param>
/// <param name="P90">90th percentile, likewise.</param>
/// <param name="P99">99th percentile, likewise.</param>
public sealed record ServerLatency(string Metric, long Count, double MeanMs, ServerQuantile? P50, ServerQuantile? P90, ServerQuantile? P99);

/// <summary>A quantile interpolated within a histogram bucket: only as good as the bucket is narrow.</summary>
/// <param name="Ms">The interpolated value.</param>
/// <param name="BucketFromMs">Lower bound of the bucket it fell in (0 for the first).</param>
/// <param name="BucketToMs">Upper bound of that bucket (the highest finite bound when it fell in +Inf, as PromQL answers).</param>
public sealed record ServerQuantile(double Ms, double BucketFromMs, double BucketToMs);
