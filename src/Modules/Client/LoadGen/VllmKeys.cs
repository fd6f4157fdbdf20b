using System.Globalization;

namespace Aibench.Client.LoadGen;

/// <summary>
/// The keys of <c>vllm bench serve --save-result</c> where aibench measures the same thing, so a result can be fed
/// to tools written for vLLM's files. The per-request lists (<c>input_lens</c>, <c>output_lens</c>, <c>ttfts</c>,
/// <c>itls</c>, <c>generated_texts</c>, <c>errors</c>) have one entry per measured request (warm-up and cancelled ones
/// left out), in the order the requests were scheduled. <c>itls</c> is each request's gaps between successive content
/// chunks in seconds, as vLLM bench's <c>output.itl</c>: a chunk carrying several tokens is one gap; a failed request
/// gives an empty list. It is left out, never given as empty lists, when there are none to give: a run that did not
/// stream, or one stored before aibench kept them. <c>generated_texts</c> is given only when asked for (the export's
/// <c>texts=true</c>) of a run that kept them (<c>keepTexts</c>); a failed request gives "".
/// </summary>
internal static class VllmKeys
{
    private static readonly (string Name, double P)[] Percentiles = [("50", 50), ("90", 90), ("95", 95), ("99", 99), ("99.9", 99.9)];

    /// <param name="details">The requests' chunk gaps and texts, entry for entry with <paramref name="records"/>; none when null.</param>
    /// <param name="texts">Give <c>generated_texts</c> (when <paramref name="details"/> has them).</param>
    public static Dictionary<string, object?> From(RunSummary summary, LoadPlan plan, IReadOnlyList<RequestRecord> records,
        RequestDetails? details = null, bool texts = false)
    {
        var o = summary.Overall;
        var measured = records.Where(Measured).ToList();
        var step = plan.Steps[0];
        var keys = new Dictionary<string, object?>
        {
            ["date"] = summary.StartedAt.ToOffset(TimeSpan.Zero).ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture),
            ["backend"] = plan.Api == ApiKind.Chat ? "openai-chat" : "vllm",
            ["model_id"] = plan.Model,
            ["tokenizer_id"] = summary.TokenCounter,
            ["num_prompts"] = o.Sent,
            ["request_rate"] = step.ClosedLoop ? "inf" : step.TargetRate,
            ["burstiness"] = plan.Burstiness,
            ["max_concurrency"] = step.Concurrency ?? plan.MaxInFlight,
            ["duration"] = o.DurationSeconds,
            ["completed"] = o.Completed,
            ["failed"] = o.Failed,
            ["total_input_tokens"] = o.Tokens.Input,
            ["total_output_tokens"] = o.Tokens.Output,
            ["request_throughput"] = o.RequestThroughput,
            ["request_goodput"] = o.Goodput,
            ["output_throughput"] = o.OutputTokenThroughput,
            ["total_token_throughput"] = o.TotalTokenThroughput,
            ["max_output_tokens_per_s"] = o.PeakOutputTokensPerSecond,
            ["max_concurrent_requests"] = o.MaxConcurrency,
        };
        Add(keys, "ttft", o.TtftMs);
        Add(keys, "tpot", o.TpotMs);
        Add(keys, "itl", o.ItlMs);
        Add(keys, "e2el", o.E2eMs);
        keys["input_lens"] = measured.Select(r => r.EffectiveInputTokens).ToArray();
        keys["output_lens"] = measured.Select(r => r.Ok ? r.EffectiveOutputTokens : 0).ToArray();
        keys["ttfts"] = measured.Select(r => r.Ok && r.TtftUs is { } t ? t / 1e6 : 0).ToArray();
        keys["errors"] = measured.Select(r => r.Ok ? "" : r.ErrorLabel).ToArray();
        foreach (var (key, value) in PerRequest(records, details ?? RequestDetails.None, texts))
        {
            keys[key] = value;
        }

        return keys;
    }

    /// <summary>
    /// <c>itls</c> and (with <paramref name="texts"/>) <c>generated_texts</c>, in the order of <c>input_lens</c>: the export adds them to
    /// the stored keys, which leave them out so that reading a run never parses them.
    /// </summary>
    public static Dictionary<string, object?> PerRequest(IReadOnlyList<RequestRecord> records, RequestDetails details, bool texts)
    {
        var keys = new Dictionary<string, object?>();
        var measured = Enumerable.Range(0, records.Count).Where(i => Measured(records[i])).ToList();
        if (details.ChunkGapsUs is { } gaps)
        {
            keys["itls"] = measured.Select(i => records[i].Ok && gaps[i] is { } g ? Array.ConvertAll(g, us => us / 1e6) : []).ToArray();
        }

        if (texts && details.Texts is { } kept)
        {
            keys["generated_texts"] = measured.Select(i => records[i].Ok ? kept[i] ?? "" : "").ToArray();
        }

        return keys;
    }

    private static bool Measured(RequestRecord r) => !r.Warmup && r.Error != RequestError.Cancelled;

    private static void Add(Dictionary<string, object?> keys, string metric, Stats? stats)
    {
        if (stats is null)
        {
            return;
        }

        keys[$"mean_{metric}_ms"] = stats.Mean;
        keys[$"median_{metric}_ms"] = stats.P50;
        keys[$"std_{metric}_ms"] = stats.Stddev;
        foreach (var (name, p) in Percentiles)
        {
            keys[$"p{name}_{metric}_ms"] = p switch { 50 => stats.P50, 90 => stats.P90, 95 => stats.P95, 99 => stats.P99, _ => stats.P999 };
        }
    }
}
