using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using Aibench.Client.LoadGen;
using Aibench.Contracts.Client;

namespace Aibench.Tests.Client;

/// <summary>
/// The vLLM-bench and GuideLLM sets on crafted requests whose every number is worked out by hand below, including a
/// request whose chunks carry three tokens each (the simulator sends one token per chunk, so only crafted records
/// reach that case).
/// </summary>
public sealed class PeerDefinitionsTests
{
    // One step from 0 to 2 s whose warm-up ends at 100 ms. Times in µs.
    private static readonly StepWindow Window = new(0, "10 req/s", null, 10, StartUs: 0, WarmupEndUs: 100_000, DispatchEndUs: 1_000_000,
        EndUs: 2_000_000);

    private static RequestRecord Ok(long index, long sent, long first, long last, long end, int prompt, int output, int chunks) => new()
    {
        Index = index, ScheduledUs = sent, SentUs = sent, FirstTokenUs = first, LastTokenUs = last, EndUs = end,
        InputTokens = prompt + 3, ServerInputTokens = prompt, OutputTokens = output + 1, ServerOutputTokens = output, Chunks = chunks,
            HttpStatus = 200,
    };

    /// <summary>
    /// W: warm-up, left out. A: 5 tokens in 5 chunks, gaps 25 ms. B: sent 2 ms late, 9 tokens in 3 chunks (gaps 40 and
    /// 60 ms). C: one token. F: HTTP 500.
    /// </summary>
    private static RequestRecord[] Records() =>
    [
        Ok(0, 0, 10_000, 20_000, 21_000, 10, 2, 2) with { Warmup = true },
        Ok(1, 100_000, 150_000, 250_000, 251_000, 10, 5, 5),
        Ok(2, 202_000, 302_000, 402_000, 403_000, 20, 9, 3) with { ScheduledUs = 200_000 },
        Ok(3, 300_000, 330_000, 330_000, 331_000, 30, 1, 1),
        new RequestRecord
        {
            Index = 4, ScheduledUs = 400_000, SentUs = 400_000, FirstTokenUs = -1, LastTokenUs = -1, EndUs = 405_000, InputTokens = 40,
            ServerInputTokens = -1, ServerOutputTokens = -1, HttpStatus = 500, Error = RequestError.Http,
        },
    ];

    private static RunOutcome Outcome(RequestRecord[] records)
    {
        var plan = LoadPlan.From(new BenchmarkSpec(Urls: ["http://sim:8000"], Load: new LoadShape("rate", Rate: 10), Duration: "1s"),
            [new Uri("http://sim:8000/")], "m");
        var itl = Histograms.New();
        foreach (var gap in new long[] { 25_000, 25_000, 25_000, 25_000, 40_000, 60_000 })
        {
            itl.Record(gap);
        }

        return new RunOutcome(plan, "crafted", DateTimeOffset.UnixEpoch, records, [itl], new PerSecond(), [Window], 2, "duration", false,
            new Dictionary<string, string>());
    }

    /// <summary>The sets as a reader of the exported file sees them.</summary>
    private static JsonObject Sets(RunOutcome outcome) => JsonNode.Parse(Summarizer.Summarize(outcome).AsDefinedBy!.ToJsonString())!.AsObject();

    [Fact]
    public void Vllm_bench_set_follows_its_formulas_on_hand_computed_requests()
    {
        var vllm = Sets(Outcome(Records()))["vllm"]!;
        Assert.Equal("vllm bench serve", (string?)vllm["tool"]);
        Assert.Contains("vllm/benchmarks/serve.py", (string?)vllm["version"]);
        var s = vllm["steps"]!.AsArray().Single()!;

        // Measured window from the warm-up's end (100 ms) to the last measured answer (F, 405 ms).
        Near(0.305, s["duration"]);
        Assert.Equal(3, (int)s["completed"]!);
        Assert.Equal(1, (int)s["failed"]!);
        Assert.Equal(60, (long)s["total_input_tokens"]!);
        Assert.Equal(15, (long)s["total_output_tokens"]!);
        Near(3 / 0.305, s["request_throughput"]);
        Near(15 / 0.305, s["output_throughput"]);
        Near(75 / 0.305, s["total_token_throughput"]);

        // TTFT from the send, not the schedule (B was sent 2 ms late): 50, 100, 30 ms.
        Near(60, s["mean_ttft_ms"]);
        Near(50, s["median_ttft_ms"]);
        Near(Math.Sqrt(2600.0 / 3), s["std_ttft_ms"]);
        Near(90, s["p90_ttft_ms"]);
        Near(99, s["p99_ttft_ms"]);
        Near(99.9, s["p99.9_ttft_ms"]);

        // e2el ends at the last content chunk: 150, 200, 30 ms.
        Near(380.0 / 3, s["mean_e2el_ms"]);
        Near(150, s["median_e2el_ms"]);
        Near(190, s["p90_e2el_ms"]);

        // TPOT excludes the first token: A (150 − 50) / 4 = 25, B (200 − 100) / 8 = 12.5 with 3 tokens per chunk; C has none.
        Near(18.75, s["mean_tpot_ms"]);
        Near(18.75, s["median_tpot_ms"]);
        Near(6.25, s["std_tpot_ms"]);
        Near(23.75, s["p90_tpot_ms"]);
        Near(24.875, s["p99_tpot_ms"]);

        // ITL pooled per chunk: 25, 25, 25, 25, 40, 60. The mean is exact (200 ms over 6 gaps); the rest comes from the
        // histogram, whose buckets hold 40 and 60 ms to within 32 µs (0.1 %).
        Near(200.0 / 6, s["mean_itl_ms"]);
        Near(25, s["median_itl_ms"], 1e-3);
        Near(50, s["p90_itl_ms"], 1e-3);
        Near(55, s["p95_itl_ms"], 1e-3);
        Near(59, s["p99_itl_ms"], 1e-3);
        Near(Math.Sqrt(1033.3333 / 6), s["std_itl_ms"], 2e-3);
    }

    [Fact]
    public void GuideLlm_set_follows_its_formulas_on_hand_computed_requests()
    {
        var guidellm = Sets(Outcome(Records()))["guidellm"]!;
        Assert.Equal("GuideLLM", (string?)guidellm["tool"]);
        Assert.Contains("request_stats.py", (string?)guidellm["version"]);
        var b = guidellm["benchmarks"]!.AsArray().Single()!;

        var totals = b["request_totals"]!;
        Assert.Equal((3, 0, 1, 4), ((int)totals["successful"]!, (int)totals["incomplete"]!, (int)totals["errored"]!, (int)totals["total"]!));

        var m = b["metrics"]!;
        // request_latency to the end of the answer, seconds: 0.151, 0.201, 0.031. No interpolation: p50 is the middle value.
        var latency = m["request_latency"]!["successful"]!;
        Near(0.383 / 3, latency["mean"]);
        Near(0.151, latency["median"]);
        Near(0.031, latency["percentiles"]!["p25"]);
        Near(0.201, latency["percentiles"]!["p75"]);
        Near(0.201, latency["percentiles"]!["p999"]);
        Near(0.031, latency["min"]);
        Near(Math.Sqrt(0.0152666667 / 3), latency["std_dev"]);
        Assert.Equal(3, (int)latency["count"]!);
        Near(0.383, latency["total_sum"]);

        var ttft = m["time_to_first_token_ms"]!["successful"]!;
        Near(60, ttft["mean"]);
        Near(50, ttft["median"]);
        Near(100, ttft["percentiles"]!["p99"]);

        // inter_token_latency_ms = vLLM's TPOT, weighted by output − 1: A 25 (×4), B 12.5 (×8); C (one token) has weight 0.
        var itl = m["inter_token_latency_ms"]!["successful"]!;
        Near(200.0 / 12, itl["mean"]);
        Near(12.5, itl["median"]);
        Near(25, itl["percentiles"]!["p75"]);
        Near(12.5, itl["mode"]);
        Assert.Equal(12, (int)itl["count"]!);
        Near(Math.Sqrt((Math.Pow(12.5 - (50.0 / 3), 2) * 2 / 3) + (Math.Pow(25 - (50.0 / 3), 2) / 3)), itl["std_dev"]);

        // time_per_output_token_ms includes the first token, weighted by output: A 150/5 = 30 (×5), B 200/9 (×9), C 30/1 (×1).
        var tpot = m["time_per_output_token_ms"]!["successful"]!;
        Near(380.0 / 15, tpot["mean"]);
        Near(200.0 / 9, tpot["median"]);
        Near(30, tpot["percentiles"]!["p75"]);
        Assert.Equal(15, (int)tpot["count"]!);

        // Server usage for tokens, not the client's count (which the crafted records set one higher).
        Near(5, m["output_token_count"]!["successful"]!["median"]);
        Near(15, m["output_token_count"]!["successful"]!["total_sum"]);
        Near(20, m["prompt_token_count"]!["successful"]!["mean"]);
        Near(25, m["total_token_count"]!["successful"]!["mean"]);

        var perRequest = b["request_stats_distributions"]!;
        Near(5 / 0.151, perRequest["output_tokens_per_second"]!["successful"]!["median"]);
        Near(9 / 0.201, perRequest["output_tokens_per_second"]!["successful"]!["max"]);
        Near(31 / 0.031, perRequest["tokens_per_second"]!["successful"]!["max"]);
    }

    [Fact]
    public void GuideLlm_falls_back_to_one_token_per_chunk_without_usage()
    {
        var records = Records();
        records[2] = records[2] with { ServerOutputTokens = -1 };
        var m = Sets(Outcome(records))["guidellm"]!["benchmarks"]![0]!["metrics"]!;

        // B now counts its 3 chunks as 3 tokens: outputs 5, 3, 1.
        Near(9, m["output_token_count"]!["successful"]!["total_sum"]);
        // B's inter-token latency becomes 100 / 2 = 50 ms with weight 2; A's stays 25 with weight 4.
        Near(((25 * 4) + (50 * 2)) / 6.0, m["inter_token_latency_ms"]!["successful"]!["mean"]);
    }

    [Fact]
    public void Records_stored_in_format_1_still_read_and_the_sets_say_they_end_at_the_answer()
    {
        var stored = FormatOne(Records());

        var records = Exports.Decode(stored);

        Assert.Equal(5, records.Length);
        Assert.All(records, r => Assert.Equal(-1, r.LastTokenUs));
        Assert.Equal(Records().Select(r => (r.SentUs, r.FirstTokenUs, r.EndUs, r.Chunks)),
            records.Select(r => (r.SentUs, r.FirstTokenUs, r.EndUs, r.Chunks)));
        var sets = Sets(Outcome(records));
        // e2el now ends 1 ms later, at the end of each answer: 151, 201, 31 ms.
        Near(383.0 / 3, sets["vllm"]!["steps"]![0]!["mean_e2el_ms"]);
        Assert.Contains(sets["vllm"]!["approximations"]!.AsArray(), n => ((string?)n)!.Contains("stored before", StringComparison.Ordinal));
        Assert.Contains(sets["guidellm"]!["approximations"]!.AsArray(), n => ((string?)n)!.Contains("stored before", StringComparison.Ordinal));
        // Stored again, they keep the last token time unknown rather than inventing one.
        Assert.All(Exports.Decode(Exports.Encode(records)), r => Assert.Equal(-1, r.LastTokenUs));
    }

    [Fact]
    public void The_result_document_shows_the_sets_at_its_top_level_beside_the_vllm_keys()
    {
        var outcome = Outcome(Records());
        var summary = Summarizer.Summarize(outcome);
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
            { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };
        // As the database keeps it and the API reads it back.
        var stored = JsonSerializer.Serialize(JsonSerializer.Deserialize<RunSummary>(JsonSerializer.Serialize(summary, options), options), options);

        var bytes = ResultDocument.Build(new ResultDocument.Identity(null, "t", "completed", "http://sim:8000", "m", "crafted", null, null, null,
            null),
            "{}", stored, "[]", JsonSerializer.Serialize(VllmKeys.From(summary, outcome.Plan, outcome.Records), options));

        var document = JsonNode.Parse(bytes)!;
        Assert.Null(document["summary"]!["asDefinedBy"]);
        Assert.Equal(3, (int)document["vllm"]!["completed"]!);
        Near(60, document["asDefinedBy"]!["vllm"]!["steps"]![0]!["mean_ttft_ms"]);
        Near(0.151, document["asDefinedBy"]!["guidellm"]!["benchmarks"]![0]!["metrics"]!["request_latency"]!["successful"]!["median"]);
    }

    [Fact]
    public void A_run_without_streaming_says_why_the_sets_are_missing()
    {
        var outcome = Outcome(Records());
        outcome = outcome with { Plan = outcome.Plan with { Stream = false } };

        var sets = Sets(outcome);

        Assert.Contains("always streams", (string?)sets["vllm"]!["unavailable"]);
        Assert.Null(sets["vllm"]!["steps"]);
        Assert.NotNull(sets["guidellm"]!["unavailable"]);
    }

    /// <summary>The stored form as aibench wrote it before records kept the last token's time.</summary>
    private static byte[] FormatOne(IReadOnlyList<RequestRecord> records)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZLibStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var w = new BinaryWriter(zip))
        {
            w.Write((byte)1);
            w.Write(records.Count);
            foreach (var r in records)
            {
                w.Write(r.Index);
                w.Write(r.ScheduledUs);
                w.Write((int)(r.SentUs - r.ScheduledUs));
                w.Write(r.FirstTokenUs < 0 ? -1 : (int)(r.FirstTokenUs - r.ScheduledUs));
                w.Write(r.EndUs - r.ScheduledUs);
                w.Write(r.InputTokens);
                w.Write(r.ServerInputTokens);
                w.Write(r.OutputTokens);
                w.Write(r.ServerOutputTokens);
                w.Write(r.Chunks);
                w.Write(r.HttpStatus);
                w.Write(r.Step);
                w.Write(r.Endpoint);
                w.Write((byte)r.Error);
                w.Write(r.Warmup);
            }
        }

        return buffer.ToArray();
    }

    /// <summary>Equal to a relative <paramref name="tolerance"/> (absolute below 1): the sets round to 6 decimals.</summary>
    private static void Near(double expected, JsonNode? actual, double tolerance = 1e-4)
    {
        Assert.NotNull(actual);
        var value = (double)actual;
        Assert.True(Math.Abs(expected - value) <= tolerance * Math.Max(1, Math.Abs(expected)), $"expected {expected}, got {value}");
    }
}
