using System.Text.Json.Nodes;
using HdrHistogram;

namespace Aibench.Client.LoadGen;

/// <summary>
/// A run's numbers as <c>vllm bench serve</c> defines them, computed from aibench's own records: its key names, its
/// per-request formulas and numpy's statistics. Users compare aibench with vLLM bench and argue about definitions
/// (TPOT with or without the first token, ITL per chunk or per token, which duration); this set is the answer to
/// "what would vLLM bench have printed for these very requests". One object per step, as vLLM writes one file per rate.
/// </summary>
internal static class VllmBenchDefinitions
{
    public const string Tool = "vllm bench serve";

    public const string Version =
        "vllm-project/vllm main as of 2026 (vllm/benchmarks/serve.py calculate_metrics, vllm/benchmarks/lib/endpoint_request_func.py)";

    private static readonly (string Name, double P)[] Percentiles = [("50", 50), ("90", 90), ("95", 95), ("99", 99), ("99.9", 99.9)];

    public static readonly IReadOnlyDictionary<string, string> Formulas = new Dictionary<string, string>
    {
        ["start"] = "When the request was sent (vLLM: perf_counter just before the POST, after its concurrency semaphore), not aibench's "
            + "scheduled time.",
        ["ttft"] = "First content chunk − start, over successful requests.",
        ["e2el"] = "Last content chunk − start (vLLM's latency: the trailing usage chunk and [DONE] do not extend it).",
        ["tpot"] = "Per request (e2el − ttft) / (output tokens − 1), requests with more than one output token; the first token is excluded.",
        ["itl"] = "Every gap between consecutive chunks of every successful request, pooled: one value per chunk, not per token.",
        ["output tokens"] = "usage.completion_tokens when the server sent it (and it is not 0), else the client's tokenizer count of the text.",
        ["input tokens"] = "usage.prompt_tokens when the server sent it, else the client's count of the prompt.",
        ["duration"] = "End of the last measured answer − start of the measured window (the step's start, or the end of its warm-up).",
        ["request_throughput"] = "completed / duration.",
        ["output_throughput"] = "total_output_tokens / duration.",
        ["total_token_throughput"] = "(total_input_tokens + total_output_tokens) / duration.",
        ["completed"] = "Requests answered with HTTP 200 and at least one chunk; failed = the other measured requests.",
        ["statistics"] = "mean = np.mean, std = np.std (population), median = np.median, pXX = np.percentile (linear interpolation), in ms; an empty "
            + "list gives 0 as in vLLM.",
    };

    public static JsonObject From(RunOutcome outcome)
    {
        var set = new JsonObject
        {
            ["tool"] = Tool,
            ["version"] = Version,
            ["formulas"] = Json(Formulas),
        };
        var notes = new JsonArray(
            "A chunk is an SSE event with non-empty content. vLLM bench counts every event with non-empty choices, also " +
            "chat's first role-only delta and empty-text events: on chat its TTFT ends at that role chunk (sent with the first " +
            "token) and its ITL has one more gap per request; on completions the two agree unless the server sends empty text.",
            "ITL median, percentiles and std are np.percentile / np.std over the pooled gaps as recorded in an HdrHistogram " +
            "(3 significant digits: each gap within 0.1 %, exact below 2.048 ms); the ITL mean is exact: " +
            "Σ (last − first content chunk) / Σ (chunks − 1).",
            "Warm-up requests are left out, as vLLM's --num-warmups are; cancelled requests are not counted at all.");
        if (outcome.Records.Any(r => r.Ok && r.FirstTokenUs >= 0 && r.LastTokenUs < 0))
        {
            notes.Add("Some records were stored before aibench kept the last content chunk's time: their e2el (and so tpot) " +
                      "ends at the end of the answer, which also waited for the usage chunk and [DONE].");
        }

        if (outcome.Plan.ContinuousUsage && outcome.Records.Any(r => r.Ok && r.Chunks > 0 && r.ServerOutputTokens > r.Chunks))
        {
            notes.Add("Chunks carried several tokens and the server sent per-chunk usage, so aibench's gap histogram is per token " +
                      "(a k-token chunk's gap split k ways); the ITL median, percentiles and std here come from it, while vLLM's are " +
                      "per chunk. The ITL mean stays per chunk, as vLLM's.");
        }

        set["approximations"] = notes;
        if (!outcome.Plan.Stream)
        {
            set["unavailable"] = "vllm bench serve always streams; this run did not, so it has no chunks to measure.";
            return set;
        }

        var steps = new JsonArray();
        foreach (var w in outcome.Steps)
        {
            steps.Add(Step(outcome.Records, w, w.Index < outcome.ItlUs.Count ? outcome.ItlUs[w.Index] : Histograms.New()));
        }

        set["steps"] = steps;
        return set;
    }

    /// <summary>One step's keys, named as in vLLM's <c>--save-result</c> file.</summary>
    public static JsonObject Step(IReadOnlyList<RequestRecord> records, StepWindow window, LongHistogram itlUs)
    {
        var measured = records.Where(r => r.Step == window.Index && !r.Warmup && r.Error != RequestError.Cancelled).ToList();
        // vLLM's success: HTTP 200 and at least one chunk.
        var ok = measured.Where(r => r.Ok && r.FirstTokenUs >= 0).ToList();
        var start = Math.Max(window.StartUs, window.WarmupEndUs);
        var end = measured.Count == 0 ? start : Math.Max(start, measured.Max(r => r.EndUs));
        var duration = (end - start) / 1e6;

        var ttfts = new List<double>(ok.Count);
        var e2els = new List<double>(ok.Count);
        var tpots = new List<double>(ok.Count);
        long input = 0, output = 0;
        foreach (var r in ok)
        {
            var outputLen = OutputTokens(r);
            input += r.EffectiveInputTokens;
            output += outputLen;
            var ttft = (r.FirstTokenUs - r.SentUs) / 1e6;
            var latency = (r.LastTokenOrEndUs - r.SentUs) / 1e6;
            ttfts.Add(ttft);
            e2els.Add(latency);
            if (outputLen > 1)
            {
                tpots.Add((latency - ttft) / (outputLen - 1));
            }
        }

        double PerSecond(double n) => duration > 0 ? n / duration : 0;

        var keys = new JsonObject
        {
            ["step"] = window.Index,
            ["label"] = window.Label,
            ["duration"] = Round(duration),
            ["completed"] = ok.Count,
            ["failed"] = measured.Count - ok.Count,
            ["total_input_tokens"] = input,
            ["total_output_tokens"] = output,
            ["request_throughput"] = Round(PerSecond(ok.Count)),
            ["output_throughput"] = Round(PerSecond(output)),
            ["total_token_throughput"] = Round(PerSecond(input + output)),
        };
        AddStats(keys, "ttft", ttfts);
        AddStats(keys, "tpot", tpots);
        AddItl(keys, ok, itlUs);
        AddStats(keys, "e2el", e2els);
        return keys;
    }

    /// <summary>vLLM takes usage.completion_tokens, and its tokenizer's count when that is missing or 0.</summary>
    public static int OutputTokens(RequestRecord r) => r.ServerOutputTokens > 0 ? r.ServerOutputTokens : r.OutputTokens;

    private static void AddStats(JsonObject keys, string metric, List<double> seconds)
    {
        // vLLM passes `values or 0`: an empty list makes every statistic 0.
        var values = seconds.Count == 0 ? [0.0] : seconds.Select(s => s * 1000).Order().ToArray();
        var mean = values.Average();
        keys[$"mean_{metric}_ms"] = Round(mean);
        keys[$"median_{metric}_ms"] = Round(Percentile(values, 50));
        keys[$"std_{metric}_ms"] = Round(Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Length));
        foreach (var (name, p) in Percentiles)
        {
            keys[$"p{name}_{metric}_ms"] = Round(Percentile(values, p));
        }
    }

    private static void AddItl(JsonObject keys, List<RequestRecord> ok, LongHistogram itlUs)
    {
        if (itlUs.TotalCount == 0)
        {
            AddStats(keys, "itl", []);
            return;
        }

        // The histogram keeps every gap to three significant digits; its mid-bucket values stand for them.
        var buckets = itlUs.RecordedValues().Select(v
            => (Value: itlUs.MedianEquivalentValue(v.ValueIteratedTo) / 1000.0, Count: v.CountAtValueIteratedTo)).ToArray();
        var n = buckets.Sum(b => b.Count);
        var histogramMean = buckets.Sum(b => b.Value * b.Count) / n;
        var exact = ok.All(r => r.LastTokenUs >= 0) && ok.Sum(r => (long)Math.Max(0, r.Chunks - 1)) == n;
        var mean = exact ? ok.Sum(r => (double)(r.LastTokenUs - r.FirstTokenUs)) / 1000 / n : histogramMean;
        keys["mean_itl_ms"] = Round(mean);
        keys["median_itl_ms"] = Round(Percentile(buckets, n, 50));
        keys["std_itl_ms"] = Round(Math.Sqrt(buckets.Sum(b => (b.Value - histogramMean) * (b.Value - histogramMean) * b.Count) / n));
        foreach (var (name, p) in Percentiles)
        {
            keys[$"p{name}_itl_ms"] = Round(Percentile(buckets, n, p));
        }
    }

    /// <summary>np.percentile's default (linear): the value at rank (n − 1)·p/100, interpolated between neighbours.</summary>
    public static double Percentile(double[] sorted, double p)
    {
        var rank = (sorted.Length - 1) * p / 100;
        var lo = (int)Math.Floor(rank);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + ((sorted[hi] - sorted[lo]) * (rank - lo));
    }

    /// <summary>The same over counted values: the k-th smallest value is found by walking the cumulative counts.</summary>
    private static double Percentile((double Value, long Count)[] buckets, long n, double p)
    {
        var rank = (n - 1) * p / 100;
        var lo = (long)Math.Floor(rank);
        var hi = Math.Min(lo + 1, n - 1);
        return At(lo) + ((At(hi) - At(lo)) * (rank - lo));

        double At(long k)
        {
            long seen = 0;
            foreach (var (value, count) in buckets)
            {
                seen += count;
                if (k < seen)
                {
                    return value;
                }
            }

            return buckets[^1].Value;
        }
    }

    private static double Round(double value) => Math.Round(value, 6);

    private static JsonObject Json(IReadOnlyDictionary<string, string> formulas) =>
        new(formulas.Select(f => KeyValuePair.Create(f.Key, (JsonNode?)JsonValue.Create(f.Value))));
}
