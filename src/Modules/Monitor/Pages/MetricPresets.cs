namespace Aibench.Monitor.Pages;

/// <summary>How the lines of a preset come out of its queries' series.</summary>
public enum Combine
{
    /// <summary>Every series of every query is a line.</summary>
    Each,

    /// <summary>First query minus second, series matched by label set (memory total − available).</summary>
    Difference,

    /// <summary>Rates of <c>node_cpu_seconds_total</c> without <c>mode="idle"</c>, summed per replica and node: cores busy.</summary>
    BusyCpu,
}

/// <summary>One <see cref="Features.GetSeries"/> behind a preset; <paramref name="Legend"/> names its lines.</summary>
public sealed record PresetQuery(string Metric, string Fn, double? Q = null, bool Sum = false, string? Legend = null);

/// <summary>A chart the page knows how to draw; <paramref name="Scale"/> turns stored values into <paramref name="Unit"/>.</summary>
// Public, as are its query and combine, only because a preset is a parameter of the (public, generated) PresetCard panel.
public sealed record Preset(
    string Id,
    string Group,
    string Title,
    string Unit,
    IReadOnlyList<PresetQuery> Queries,
    string? Note = null,
    Combine Combine = Combine.Each,
    double Scale = 1);

/// <summary>The charts of the metrics page, grouped by what exports them.</summary>
internal static class MetricPresets
{
    public const string Vllm = "vLLM";
    public const string Node = "Node";
    public const string Gpu = "GPU";
    public const string Host = "Host";

    /// <summary>A service or experiment runs vLLM replicas, maybe with node and GPU sidecars; the host has its own series only.</summary>
    public static readonly string[] ServiceGroups = [Vllm, Node, Gpu];

    public static readonly string[] HostGroups = [Host];

    private const double GiB = 1024.0 * 1024 * 1024;

    public static readonly IReadOnlyList<Preset> All =
    [
        new("vllm-requests", Vllm, "Requests running / waiting (all replicas)", "requests",
            [new("vllm:num_requests_running", "instant", Sum: true, Legend: "running"),
                new("vllm:num_requests_waiting", "instant", Sum: true, Legend: "waiting")]),
        new("vllm-requests-replica", Vllm, "Requests running / waiting per replica", "requests",
            [new("vllm:num_requests_running", "instant", Legend: "running"), new("vllm:num_requests_waiting", "instant", Legend: "waiting")]),
        new("vllm-kv-cache", Vllm, "KV cache usage", "%",
            [new("vllm:kv_cache_usage_perc", "instant", Legend: "KV cache")], Scale: 100),
        new("vllm-tokens", Vllm, "Token throughput", "tokens/s",
            [new("vllm:generation_tokens_total", "rate", Sum: true, Legend: "generation"),
                new("vllm:prompt_tokens_total", "rate", Sum: true, Legend: "prompt")]),
        Quantiles("vllm-ttft", Vllm, "Time to first token", "vllm:time_to_first_token_seconds"),
        Quantiles("vllm-itl", Vllm, "Inter-token latency", "vllm:inter_token_latency_seconds"),
        Quantiles("vllm-e2e", Vllm, "End-to-end request latency", "vllm:e2e_request_latency_seconds"),
        new("vllm-preemptions", Vllm, "Preemptions", "per second",
            [new("vllm:num_preemptions_total", "rate", Sum: true, Legend: "preemptions")]),

        new("node-cpu", Node, "CPU busy", "cores",
            [new("node_cpu_seconds_total", "rate", Legend: "busy")],
            Note: "Rate of node_cpu_seconds_total summed over every CPU and mode except idle, per node: 4 means four cores' worth of work.",
            Combine: Combine.BusyCpu),
        new("node-memory", Node, "Memory used", "GiB",
            [new("node_memory_MemTotal_bytes", "instant", Legend: "used"), new("node_memory_MemAvailable_bytes", "instant")],
            Note: "MemTotal − MemAvailable.", Combine: Combine.Difference, Scale: 1 / GiB),

        new("gpu-util", Gpu, "GPU utilisation", "%", [new("DCGM_FI_DEV_GPU_UTIL", "instant", Legend: "util")]),
        new("gpu-memory", Gpu, "GPU memory used", "MiB", [new("DCGM_FI_DEV_FB_USED", "instant", Legend: "used")]),
        new("gpu-power", Gpu, "GPU power", "W", [new("DCGM_FI_DEV_POWER_USAGE", "instant", Legend: "power")]),

        new("host-cpu", Host, "aibench CPU", "cores", [new("process_cpu_seconds_total", "rate", Legend: "cpu")]),
        new("host-memory", Host, "aibench working set", "GiB", [new("process_working_set_bytes", "instant", Legend: "working set")], Scale: 1 / GiB),
        new("host-benchmark-requests", Host, "Benchmark requests", "requests/s",
            [new("aibench_benchmark_requests_total", "rate", Legend: "requests")]),
        new("host-benchmark-ttft", Host, "Benchmark time to first token", "s",
            [new("aibench_benchmark_ttft_seconds", "quantile", 0.5, Legend: "p50"),
                new("aibench_benchmark_ttft_seconds", "quantile", 0.99, Legend: "p99")]),
    ];

    public static IEnumerable<Preset> Of(string group) => All.Where(p => p.Group == group);

    // Quantiles are histogram_quantile over the buckets summed across replicas, so there is one line per quantile.
    private static Preset Quantiles(string id, string group, string title, string metric) =>
        new(id, group, title + " p50 / p99", "s",
            [new(metric, "quantile", 0.5, Legend: "p50"), new(metric, "quantile", 0.99, Legend: "p99")]);
}
