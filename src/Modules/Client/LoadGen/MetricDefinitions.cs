namespace Aibench.Client.LoadGen;

/// <summary>
/// The formula of every reported number, carried in each result so a number never travels without its meaning.
/// docs/metrics.md says the same at more length. Times are on one monotonic clock, in microseconds.
/// </summary>
internal static class MetricDefinitions
{
    public static readonly IReadOnlyDictionary<string, string> All = new Dictionary<string, string>
    {
        ["scheduled"] = "When the load shape says the request is due (open loop), or when a closed-loop worker is free to send it.",
        ["ttftMs"] = "Time to first token: arrival of the first chunk with non-empty content − scheduled time. Streaming only.",
        ["tpotMs"] = "Time per output token, per request: (E2E − TTFT) / (output tokens − 1); requests with one output token have none.",
        ["itlMs"] = "Inter-token latency: every gap between consecutive content chunks of every measured request, pooled; a chunk of k tokens "
            + "(per-chunk usage from the server) counts as k gaps of gap / k.",
        ["e2eMs"] = "End-to-end latency: end of the answer − scheduled time (so time queued in the client counts).",
        ["scheduleLagMs"] = "Actual send − scheduled time: how late the client itself was.",
        ["tokensPerChunk"] = "Per request: output tokens / content chunks (above 1 when the server sends several tokens per event).",
        ["outputTokens"] = "The server's usage.completion_tokens when it sent usage, otherwise the client's tokenizer count of the generated text.",
        ["inputTokens"] = "The server's usage.prompt_tokens when it sent usage, otherwise the client's tokenizer count of the prompt.",
        ["tokens.outputMismatchPercent"] = "(client count − server count) / server count × 100, over the requests that carried usage.",
        ["durationSeconds"] = "Measured window: from the end of the warm-up (or the step's start) to the last measured answer; summed over steps.",
        ["requestThroughput"] = "Completed measured requests / durationSeconds.",
        ["inputTokenThroughput"] = "Input tokens of completed measured requests / durationSeconds.",
        ["outputTokenThroughput"] = "Output tokens of completed measured requests / durationSeconds.",
        ["totalTokenThroughput"] = "(input + output tokens) / durationSeconds.",
        ["peakOutputTokensPerSecond"] = "Most output tokens that arrived within one wall-clock second of the measured window (all requests).",
        ["peakInputTokensPerSecond"] = "Most input tokens of requests completed within one wall-clock second of the measured window.",
        ["goodput"] = "Completed measured requests meeting every given SLO (TTFT ≤ slo.ttft, TPOT ≤ slo.tpot, ITL ≤ slo.itl, E2E ≤ slo.e2e) / "
            + "durationSeconds.",
        ["goodputFraction"] = "Requests meeting every SLO / measured requests sent (failed requests never meet them).",
        ["achievedRate"] = "Measured requests sent / (last send − start of the measured window). Open loop only; compare with targetRate.",
        ["targetRate"] = "The rate the step asked for; the mean of start and end for a ramp.",
        ["meanConcurrency"] = "Σ (end − send) over measured requests / durationSeconds (Little's law).",
        ["maxConcurrency"] = "Most requests in flight at once during the step, from the requests' send and end times.",
        ["errors"] = "Failed measured requests by kind: http_<status>, timeout, connect, disconnect (connection closed mid-answer), bad_stream (not "
            + "the OpenAI format).",
        ["warmup"] = "Requests scheduled during the warm-up: sent, but left out of every statistic.",
        ["cancelled"] = "Requests still in flight when the run was cancelled: left out of every statistic.",
        ["asDefinedBy"] = "Not aibench's numbers: the same requests under vllm bench serve's and GuideLLM's own definitions (top-level asDefinedBy "
            + "in the JSON export); each set names its tool, the version of the definitions, its formulas and aibench's approximations.",
        ["envelope"] = "The client envelope: the run's shape (heaviest step) against a zero-latency aibench sim child on the same node, after an "
            + "uncounted quarter-length pass. achievedRatio = achieved ÷ target rate; ttft/itl/e2e p50/p99 are the client's floors; scheduleLag "
                + "p50/p99; cpuFraction = process CPU time / wall / cores.",
        ["clientCpu"] = "The client process's CPU time over the measured load / wall time / cores.",
        ["clientLimited"] = "Any of: an open-loop step below 0.95 of its target rate by more than 3 √expected, with the envelope below 0.95 too; a "
            + "step's schedule-lag p50 > 5 ms with the envelope's > 2.5 ms; clientCpu ≥ 0.90. Distributed: any worker.",
        ["clientWarmup"] = "Uncounted short requests (max_tokens 2) sent together before the clock, to open connections and run the load path: N per "
            + "endpoint = concurrency or peak rate × 250 ms, capped by maxInFlight, 1…32.",
        ["percentiles"] = "p50…p99.9 from an HdrHistogram with microsecond resolution and 3 significant digits; mean and stddev over all values.",
    };
}
