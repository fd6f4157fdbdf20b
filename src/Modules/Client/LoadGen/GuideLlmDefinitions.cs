using System.Text.Json.Nodes;

namespace Aibench.Client.LoadGen;

/// <summary>
/// A run's numbers as GuideLLM defines them, computed from aibench's own records: the fields of its
/// <c>GenerativeRequestStats</c> per request, summarised the way its <c>GenerativeMetrics.compile</c> and
/// <c>DistributionSummary.from_values</c> do (weights, no interpolation). Its TPOT includes the first token and its
/// "inter-token latency" is vLLM's TPOT, so the same requests give other numbers under the same names; this set says
/// which. One benchmark per step, as GuideLLM reports one per strategy.
/// </summary>
internal static class GuideLlmDefinitions
{
    public const string Tool = "GuideLLM";

    public const string Version =
        "vllm-project/guidellm main, v0.7.x (2026): GenerativeRequestStats (src/guidellm/schemas/request_stats.py), " +
        "GenerativeMetrics.compile (src/guidellm/benchmark/schemas/generative/metrics.py), DistributionSummary (src/guidellm/schemas/statistics.py)";

    private static readonly (string Name, double P)[] Percentiles =
        [("p001", 0.001), ("p01", 0.01), ("p05", 0.05), ("p10", 0.1), ("p25", 0.25), ("p50", 0.5), ("p75", 0.75), ("p90", 0.9), ("p95", 0.95),
            ("p99", 0.99), ("p999", 0.999)];

    public static readonly IReadOnlyDictionary<string, string> Formulas = new Dictionary<string, string>
    {
        ["request_start / request_end"] = "When the request was sent / when its answer ended (after data: [DONE]).",
        ["first / last token iteration"] = "Arrival of the first / last chunk with content.",
        ["output_tokens"] = "usage.completion_tokens when the server sent it, else the number of content chunks (one token per iteration assumed).",
        ["prompt_tokens"] = "usage.prompt_tokens when the server sent it, else the client's count of the prompt.",
        ["request_latency"] = "request_end − request_start, seconds.",
        ["time_to_first_token_ms"] = "1000 · (first token iteration − request_start).",
        ["inter_token_latency_ms"] = "1000 · (last − first token iteration) / (output_tokens − 1), output_tokens > 1; summarised with weight "
            + "output_tokens − 1 (= vLLM's TPOT, token-weighted).",
        ["time_per_output_token_ms"] =
            "1000 · (last token iteration − request_start) / output_tokens: INCLUDES the first token; summarised with weight output_tokens.",
        ["prompt_token_count / output_token_count / total_token_count"] = "Per request, unweighted.",
        ["request_stats_distributions.output_tokens_per_second"] = "Per request output_tokens / request_latency, summarised unweighted.",
        ["request_stats_distributions.tokens_per_second"] = "Per request (prompt_tokens + output_tokens) / request_latency, summarised unweighted.",
        ["statistics"] = "Over successful requests: values sorted, equal values merged, weights normalised; pXX = the smallest value whose "
            + "cumulative probability ≥ XX (no interpolation); median = p50; mean and variance weighted, std_dev = √variance (population); count = Σ "
                + "weights; total_sum = mean · count.",
    };

    public static JsonObject From(RunOutcome outcome)
    {
        var set = new JsonObject
        {
            ["tool"] = Tool,
            ["version"] = Version,
            ["formulas"] = new JsonObject(Formulas.Select(f => KeyValuePair.Create(f.Key, (JsonNode?)JsonValue.Create(f.Value)))),
        };
        var notes = new JsonArray(
            "Only the `successful` part of each StatusDistributionSummary is given; request_totals counts all parts " +
            "(incomplete = still in flight when the run was cancelled).",
            "request_stats_distributions summarise per-request fields of GenerativeRequestStats. GuideLLM's own benchmark-level " +
            "output_tokens_per_second, tokens_per_second and requests_per_second are rates of events over time, a different " +
            "quantity, and are not reproduced; nor are request_concurrency, request_streaming_iterations_count (aibench does not " +
            "keep every SSE event) and time_to_first_output_token_ms (no reasoning split: it equals time_to_first_token_ms).",
            "Warm-up requests are outside GuideLLM's measured window and left out.");
        if (outcome.Records.Any(r => r.Ok && r.FirstTokenUs >= 0 && r.LastTokenUs < 0))
        {
            notes.Add("Some records were stored before aibench kept the last content chunk's time: for them the last token " +
                      "iteration is the end of the answer (which also waited for the usage chunk and [DONE]).");
        }

        set["approximations"] = notes;
        if (!outcome.Plan.Stream)
        {
            set["unavailable"] = "this run did not stream, so it has no token iterations to measure.";
            return set;
        }

        var benchmarks = new JsonArray();
        foreach (var w in outcome.Steps)
        {
            benchmarks.Add(Benchmark(outcome.Records, w));
        }

        set["benchmarks"] = benchmarks;
        return set;
    }

    public static JsonObject Benchmark(IReadOnlyList<RequestRecord> records, StepWindow window)
    {
        var mine = records.Where(r => r.Step == window.Index && !r.Warmup).ToList();
        var successful = mine.Where(r => r.Ok).ToList();
        var incomplete = mine.Count(r => r.Error == RequestError.Cancelled);
        var errored = mine.Count - successful.Count - incomplete;
        var stats = successful.Select(Request.From).ToList();

        return new JsonObject
        {
            ["step"] = window.Index,
            ["label"] = window.Label,
            ["request_totals"] = new JsonObject
            {
                ["successful"] = successful.Count,
                ["incomplete"] = incomplete,
                ["errored"] = errored,
                ["total"] = mine.Count,
            },
            ["metrics"] = new JsonObject
            {
                ["request_latency"] = Successful(stats.Select(s => (s.LatencySeconds ?? 0, 1.0))),
                ["prompt_token_count"] = Successful(stats.Select(s => ((double)s.PromptTokens, 1.0))),
                ["output_token_count"] = Successful(stats.Select(s => ((double)(s.OutputTokens ?? 0), 1.0))),
                ["total_token_count"] = Successful(stats.Select(s => ((double)(s.PromptTokens + (s.OutputTokens ?? 0)), 1.0))),
                ["time_to_first_token_ms"] = Successful(stats.Select(s => (s.TtftMs ?? 0, 1.0))),
                ["time_per_output_token_ms"] = Successful(stats.Select(s => (s.TpotMs ?? 0, (double)(s.OutputTokens ?? 0)))),
                ["inter_token_latency_ms"] = Successful(stats.Select(s => (s.ItlMs ?? 0, (double)((s.OutputTokens ?? 1) - 1)))),
            },
            ["request_stats_distributions"] = new JsonObject
            {
                ["output_tokens_per_second"] =
                    Successful(stats.Where(s => s.OutputTokensPerSecond is not null).Select(s => (s.OutputTokensPerSecond!.Value, 1.0))),
                ["tokens_per_second"] = Successful(stats.Where(s => s.TokensPerSecond is not null).Select(s => (s.TokensPerSecond!.Value, 1.0))),
            },
        };
    }

    /// <summary>The fields of GuideLLM's <c>GenerativeRequestStats</c> for one request; null where GuideLLM gives None.</summary>
    public sealed record Request(int PromptTokens, int? OutputTokens, double? LatencySeconds, double? TtftMs, double? ItlMs, double? TpotMs,
        double? OutputTokensPerSecond, double? TokensPerSecond)
    {
        public static Request From(RequestRecord r)
        {
            // GuideLLM falls back to one token per iteration when the server sends no usage; 0 iterations is None.
            int? output = r.ServerOutputTokens >= 0 ? r.ServerOutputTokens : r.Chunks > 0 ? r.Chunks : null;
            var prompt = r.EffectiveInputTokens;
            var latency = (r.EndUs - r.SentUs) / 1e6;
            double? first = r.FirstTokenUs >= 0 ? r.FirstTokenUs : null;
            double? last = r.FirstTokenUs >= 0 ? r.LastTokenOrEndUs : null;
            return new Request(
                prompt,
                output,
                latency,
                first is { } f ? (f - r.SentUs) / 1000 : null,
                first is { } f2 && last is { } l && output > 1 ? (l - f2) / 1000 / (output.Value - 1) : null,
                output > 0 ? ((last ?? r.EndUs) - r.SentUs) / 1000 / output.Value : null,
                latency > 0 && output is { } o ? o / latency : null,
                latency > 0 ? (prompt + (output ?? 0)) / latency : null);
        }
    }

    private static JsonObject Successful(IEnumerable<(double Value, double Weight)> values) => new() { ["successful"] = Summary([.. values]) };

    /// <summary>GuideLLM's <c>DistributionSummary.from_values</c> with (value, weight) pairs.</summary>
    public static JsonObject Summary(IReadOnlyList<(double Value, double Weight)> values)
    {
        // Python's round() is banker's rounding.
        var count = (long)Math.Round(values.Sum(v => v.Weight), MidpointRounding.ToEven);
        var merged = values.GroupBy(v => v.Value).Select(g => (Value: g.Key, Weight: g.Sum(v => v.Weight)))
            .Where(v => v.Weight > 0).OrderBy(v => v.Value).ToArray();
        if (merged.Length == 0)
        {
            return Describe(0, 0, 0, 0, 0, 0, count, Percentiles.Select(_ => 0.0).ToArray());
        }

        var total = merged.Sum(v => v.Weight);
        if (total <= 1e-6)
        {
            // GuideLLM's fallback when the weights are all but zero: every value counts the same.
            merged = [.. merged.Select(v => (v.Value, 1.0))];
            total = merged.Length;
        }

        var probabilities = merged.Select(v => v.Weight / total).ToArray();
        var cdf = new double[merged.Length];
        var running = 0.0;
        for (var i = 0; i < cdf.Length; i++)
        {
            running += probabilities[i];
            cdf[i] = running;
        }

        var mean = merged.Select((v, i) => v.Value * probabilities[i]).Sum();
        var variance = merged.Select((v, i) => (v.Value - mean) * (v.Value - mean) * probabilities[i]).Sum();
        var mode = merged[Array.IndexOf(probabilities, probabilities.Max())].Value;
        var percentiles = Percentiles.Select(p =>
        {
            // np.searchsorted(cdf, p, side="left"): the first index whose cumulative probability reaches p.
            var i = Array.FindIndex(cdf, c => c >= p.P);
            return merged[i < 0 ? merged.Length - 1 : i].Value;
        }).ToArray();
        return Describe(mean, variance, mode, merged[0].Value, merged[^1].Value, mean * count, count, percentiles);
    }

    private static JsonObject Describe(double mean, double variance, double mode, double min, double max, double totalSum, long count,
        double[] percentiles)
    {
        var p = new JsonObject();
        for (var i = 0; i < Percentiles.Length; i++)
        {
            p[Percentiles[i].Name] = Round(percentiles[i]);
        }

        return new JsonObject
        {
            ["mean"] = Round(mean),
            ["median"] = Round(percentiles[Array.FindIndex(Percentiles, x => x.Name == "p50")]),
            ["mode"] = Round(mode),
            ["variance"] = Round(variance),
            ["std_dev"] = Round(Math.Sqrt(variance)),
            ["min"] = Round(min),
            ["max"] = Round(max),
            ["count"] = count,
            ["total_sum"] = Round(totalSum),
            ["percentiles"] = p,
        };
    }

    private static double Round(double value) => Math.Round(value, 6);
}
