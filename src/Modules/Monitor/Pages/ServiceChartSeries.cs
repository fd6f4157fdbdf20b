using System.Text.RegularExpressions;
using Aibench.Contracts.Monitor;
using Aibench.Shared.Components;

namespace Aibench.Monitor.Pages;

/// <summary>
/// What the service-charts slot asks for: vLLM's own view (the simulator exports the same names), the queue, KV cache,
/// GPU when a DCGM exporter runs, and the latency percentiles from its histograms. A metric the service does not
/// export is simply absent. Only this module knows these names; the experiment page renders the slot.
/// </summary>
internal static partial class ServiceChartSeries
{
    /// <summary>While an experiment runs, the charts show this much: the whole of a long soak every 5 s would be slow, and cut at the sample
    /// limit.</summary>
    public static readonly TimeSpan LiveWindow = TimeSpan.FromMinutes(30);

    public const string Running = "vllm:num_requests_running";
    public const string Waiting = "vllm:num_requests_waiting";
    public const string KvCache = "vllm:kv_cache_usage_perc";
    public const string GpuUtil = "DCGM_FI_DEV_GPU_UTIL";

    public static readonly (string Name, string Metric, double Q)[] LatencyQuantiles =
    [
        ("TTFT p50 (server histogram)", "vllm:time_to_first_token_seconds", 0.5),
        ("TTFT p99 (server histogram)", "vllm:time_to_first_token_seconds", 0.99),
        ("TPOT p50 (server histogram)", "vllm:inter_token_latency_seconds", 0.5),
        ("TPOT p99 (server histogram)", "vllm:inter_token_latency_seconds", 0.99),
        ("E2E p50 (server histogram)", "vllm:e2e_request_latency_seconds", 0.5),
        ("E2E p99 (server histogram)", "vllm:e2e_request_latency_seconds", 0.99),
    ];

    /// <summary>The window to read: all of a finished experiment; of a running one, the last <see cref="LiveWindow"/>.</summary>
    public static (DateTimeOffset From, DateTimeOffset To) Window(DateTimeOffset start, DateTimeOffset? end, DateTimeOffset now)
    {
        var to = end ?? now;
        return (end is null && to - start > LiveWindow ? to - LiveWindow : start, to);
    }

    /// <summary>Series as lines: one per label set, named by its replica when there are several, scaled to the chart's unit.</summary>
    public static IEnumerable<TimeLine> Lines(string name, IReadOnlyList<MetricSeries> series, double scale = 1) =>
        series.Select(s => new TimeLine(
            ReplicaOf(s.Labels) is { } replica && series.Count > 1 ? $"{name} r{replica}" : name,
            [.. s.Points.Select(p => new TimePoint(p.T, p.V * scale))]));

    private static string? ReplicaOf(string labels) => ReplicaLabel().Match(labels) is { Success: true } m ? m.Groups[1].Value : null;

    [GeneratedRegex("replica=\"([^\"]*)\"")]
    private static partial Regex ReplicaLabel();
}
