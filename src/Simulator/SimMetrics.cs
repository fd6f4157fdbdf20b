using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Aibench.Simulator;

/// <summary>vLLM's metrics, with its names, labels and histogram buckets, in the Prometheus text format.</summary>
internal sealed class SimMetrics(string model)
{
    private static readonly double[] TtftBuckets = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0,
        40.0, 80.0, 160.0, 640.0, 2560.0];
    private static readonly double[] ItlBuckets = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0,
        40.0, 80.0];
    private static readonly double[] RequestBuckets = [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0,
        480.0, 960.0, 1920.0, 7680.0];
    private static readonly double[] TokenBuckets = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000];

    private readonly Lock _lock = new();
    private readonly string _label = $"model_name=\"{Escape(model)}\"";
    private readonly Dictionary<string, long> _success = new() { ["length"] = 0, ["stop"] = 0, ["abort"] = 0 };
    private long _promptTokens;
    private long _generationTokens;
    private long _preemptions;

    public int Running;
    public int Waiting;
    public double KvCacheUsage;

    public Histogram Ttft { get; } = new(TtftBuckets);
    public Histogram Itl { get; } = new(ItlBuckets);
    public Histogram E2e { get; } = new(RequestBuckets);
    public Histogram Queue { get; } = new(RequestBuckets);
    public Histogram Prefill { get; } = new(RequestBuckets);
    public Histogram Decode { get; } = new(RequestBuckets);
    public Histogram PromptTokens { get; } = new(TokenBuckets);
    public Histogram GenerationTokens { get; } = new(TokenBuckets);

    public void Tokens(int prompt, int generated)
    {
        Interlocked.Add(ref _promptTokens, prompt);
        Interlocked.Add(ref _generationTokens, generated);
    }

    public void Finished(string reason)
    {
        lock (_lock) _success[reason]++;
    }

    public void Preempted() => Interlocked.Increment(ref _preemptions);

    /// <summary>
    /// The per-request latency histograms of a request that finished, as vLLM observes them when a request finishes:
    /// E2E from arrival to the end (the server's front end), queue from arrival to first scheduling, prefill from then
    /// to the first token, decode from the first to the last token (the engine's own timestamps). So queue + prefill is
    /// the server's TTFT up to the hand-over from the engine to the HTTP response (none in fixed-latency mode).
    /// Aborted and dropped requests have no E2E, queue, prefill or decode, as in vLLM.
    /// </summary>
    public void Completed(Generation generation, long end)
    {
        E2e.Observe(Stopwatch.GetElapsedTime(generation.Arrived, end).TotalSeconds);
        Queue.Observe(Stopwatch.GetElapsedTime(generation.Arrived, generation.Admitted).TotalSeconds);
        Prefill.Observe(Stopwatch.GetElapsedTime(generation.Admitted, generation.FirstToken).TotalSeconds);
        Decode.Observe(Stopwatch.GetElapsedTime(generation.FirstToken, generation.LastToken).TotalSeconds);
    }

    public string Render()
    {
        var s = new StringBuilder();
        Gauge(s, "vllm:num_requests_running", "Number of requests in model execution batches.", Volatile.Read(ref Running));
        Gauge(s, "vllm:num_requests_waiting", "Number of requests waiting to be processed.", Volatile.Read(ref Waiting));
        Gauge(s, "vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", Volatile.Read(ref KvCacheUsage));
        Counter(s, "vllm:prompt_tokens", "Number of prefill tokens processed.", Interlocked.Read(ref _promptTokens));
        Counter(s, "vllm:generation_tokens", "Number of generation tokens processed.", Interlocked.Read(ref _generationTokens));
        Counter(s, "vllm:num_preemptions", "Cumulative number of preemption from the engine.", Interlocked.Read(ref _preemptions));
        s.Append("# HELP vllm:request_success_total Count of successfully processed requests.\n# TYPE vllm:request_success_total counter\n");
        lock (_lock)
        {
            foreach (var (reason, count) in _success)
            {
                s.Append(CultureInfo.InvariantCulture, $"vllm:request_success_total{{finished_reason=\"{reason}\",{_label}}} {count}\n");
            }
        }

        Ttft.Render(s, "vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", _label);
        Itl.Render(s, "vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.", _label);
        E2e.Render(s, "vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", _label);
        Queue.Render(s, "vllm:request_queue_time_seconds", "Histogram of time spent in WAITING phase for request.", _label);
        Prefill.Render(s, "vllm:request_prefill_time_seconds", "Histogram of time spent in PREFILL phase for request.", _label);
        Decode.Render(s, "vllm:request_decode_time_seconds", "Histogram of time spent in DECODE phase for request.", _label);
        PromptTokens.Render(s, "vllm:request_prompt_tokens", "Number of prefill tokens processed.", _label);
        GenerationTokens.Render(s, "vllm:request_generation_tokens", "Number of generation tokens processed.", _label);
        return s.ToString();
    }

    private void Gauge(StringBuilder s, string name, string help, double value) =>
        s.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} gauge\n{name}{{{_label}}} {Format(value)}\n");

    private void Counter(StringBuilder s, string name, string help, long value) =>
        s.Append(CultureInfo.InvariantCulture, $"# HELP {name}_total {help}\n# TYPE {name}_total counter\n{name}_total{{{_label}}} {value}\n");

    internal static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Escape(string value)
        => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n",
            StringComparison.Ordinal);

    internal sealed class Histogram(double[] bounds)
    {
        private readonly long[] _counts = new long[bounds.Length + 1];
        private readonly Lock _lock = new();
        private double _sum;
        private long _count;

        public long Count { get { lock (_lock) return _count; } }

        public void Observe(double value)
        {
            lock (_lock)
            {
                var i = 0;
                while (i < bounds.Length && value > bounds[i]) i++;
                _counts[i]++;
                _sum += value;
                _count++;
            }
        }

        public void Render(StringBuilder s, string name, string help, string label)
        {
            s.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} histogram\n");
            lock (_lock)
            {
                long cumulative = 0;
                for (var i = 0; i < bounds.Length; i++)
                {
                    cumulative += _counts[i];
                    s.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{le=\"{Format(bounds[i])}\",{label}}} {cumulative}\n");
                }

                s.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{le=\"+Inf\",{label}}} {_count}\n");
                s.Append(CultureInfo.InvariantCulture, $"{name}_sum{{{label}}} {Format(_sum)}\n{name}_count{{{label}}} {_count}\n");
            }
        }
    }
}
