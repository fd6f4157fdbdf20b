using System.Globalization;

namespace Aibench.Client.LoadGen;

/// <summary>
/// The keys of <c>vllm bench serve --save-result</c> where aibench measures the same thing, so a result can be fed
/// to tools written for vLLM's files. Per-request <c>itls</c> and <c>generated_texts</c> are not kept and so not given.
/// </summary>
internal static class VllmKeys
{
    private static readonly (string Name, double P)[] Percentiles = [("50", 50), ("90", 90), ("95", 95), ("99", 99), ("99.9", 99.9)];

    public static Dictionary<string, object?> From(RunSummary summary, LoadPlan plan, IReadOnlyList<RequestRecord> records)
    {
        var o = summary.Overall;
        var measured = records.Where(r => !r.Warmup && r.Error != RequestError.Cancelled).ToList();
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
        return keys;
    }

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
