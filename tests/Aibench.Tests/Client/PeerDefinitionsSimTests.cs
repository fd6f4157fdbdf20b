using System.Text.Json;
using System.Text.Json.Nodes;
using Aibench.Client.Cli;
using Aibench.Host.Cli;
using Aibench.Simulator;
using Aibench.Tests.Infrastructure;

namespace Aibench.Tests.Client;

/// <summary>
/// <c>aibench loadgen --output result.json --requests requests.jsonl</c> against the simulator, then vLLM bench's and
/// GuideLLM's numbers worked out here, from the exported rows alone, with this test's own plain implementation of
/// their formulas, and compared with the labelled sets of the result. The console is captured, hence the collection.
/// </summary>
[Collection(nameof(TimingCollection))]
[Trait("Category", TimingCollection.Trait)]
public sealed class PeerDefinitionsSimTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aibench-peers-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed record Row(bool Warmup, string? Error, long Sent, long? First, long? Last, long End, int Input, int? ServerInput, int Output,
        int? ServerOutput, int Chunks);

    [Fact]
    public async Task Exported_sets_match_an_independent_computation_from_the_exported_request_rows()
    {
        // Some requests fail (HTTP 500), so failed and errored are not trivially 0: at 30 % the chance that none of 60 does is 5e-10.
        await using var sim = await Sim.StartAsync(new SimOptions { Ttft = TimeSpan.FromMilliseconds(20), Itl = TimeSpan.FromMilliseconds(3),
            ErrorRate = 0.3 });
        var json = Path.Combine(_dir, "result.json");
        var jsonl = Path.Combine(_dir, "requests.jsonl");

        var (exit, stderr) = await RunAsync(
            "--url", sim.Url.ToString(), "--model", "sim-model", "--rate", "40", "--max-requests", "60",
            "--dataset", "random:input=32,output=12", "--output", json, "--requests", jsonl, "--quiet");

        Assert.True(exit == 0, stderr);
        var rows = (await File.ReadAllLinesAsync(jsonl, TestContext.Current.CancellationToken)).Select(Parse).ToList();
        var document = JsonNode.Parse(await File.ReadAllBytesAsync(json, TestContext.Current.CancellationToken))!;
        var measured = rows.Where(r => !r.Warmup && r.Error != "cancelled").ToList();
        var ok = measured.Where(r => r.Error is null).ToList();
        Assert.Equal(60, measured.Count);
        Assert.InRange(ok.Count, 15, 59);
        // The simulator sends one token per chunk; several tokens per chunk are covered by PeerDefinitionsTests.
        Assert.All(ok, r => Assert.Equal(r.ServerOutput, r.Chunks));
        Assert.All(ok, r => Assert.True(r.Last >= r.First && r.Last <= r.End));

        CheckVllm(document["asDefinedBy"]!["vllm"]!["steps"]!.AsArray().Single()!, measured, ok);
        CheckGuideLlm(document["asDefinedBy"]!["guidellm"]!["benchmarks"]!.AsArray().Single()!, measured, ok);
        // The --save-result keys are still where they were.
        Assert.Equal(ok.Count, (int)document["vllm"]!["completed"]!);
    }

    private static void CheckVllm(JsonNode s, List<Row> measured, List<Row> ok)
    {
        Assert.Equal(ok.Count, (int)s["completed"]!);
        Assert.Equal(measured.Count - ok.Count, (int)s["failed"]!);
        var input = ok.Sum(r => (long)(r.ServerInput ?? r.Input));
        int OutputLen(Row r) => r.ServerOutput > 0 ? r.ServerOutput.Value : r.Output;
        var output = ok.Sum(r => (long)OutputLen(r));
        Assert.Equal(input, (long)s["total_input_tokens"]!);
        Assert.Equal(output, (long)s["total_output_tokens"]!);

        // No warm-up and one step: the window starts with the run, a moment before the first send.
        var duration = (double)s["duration"]!;
        var lastEnd = measured.Max(r => r.End) / 1e6;
        Assert.InRange(duration, lastEnd - 0.2, lastEnd);
        Near(ok.Count / duration, s["request_throughput"]);
        Near(output / duration, s["output_throughput"]);
        Near((input + output) / duration, s["total_token_throughput"]);

        var ttft = ok.Select(r => (r.First!.Value - r.Sent) / 1000.0).ToList();
        var e2el = ok.Select(r => (r.Last!.Value - r.Sent) / 1000.0).ToList();
        var tpot = ok.Where(r => OutputLen(r) > 1).Select(r => ((r.Last!.Value - r.First!.Value) / 1000.0) / (OutputLen(r) - 1)).ToList();
        foreach (var (metric, values) in new[] { ("ttft", ttft), ("e2el", e2el), ("tpot", tpot) })
        {
            var sorted = values.Order().ToArray();
            var mean = sorted.Average();
            Near(mean, s[$"mean_{metric}_ms"]);
            Near(Interpolated(sorted, 50), s[$"median_{metric}_ms"]);
            Near(Math.Sqrt(sorted.Select(v => (v - mean) * (v - mean)).Average()), s[$"std_{metric}_ms"]);
            foreach (var p in new[] { "50", "90", "95", "99", "99.9" })
            {
                Near(Interpolated(sorted, double.Parse(p, System.Globalization.CultureInfo.InvariantCulture)), s[$"p{p}_{metric}_ms"]);
            }
        }

        // The per-chunk gaps are not in the rows; their sum is: Σ (last − first) over Σ (chunks − 1).
        var gaps = ok.Sum(r => r.Chunks - 1);
        Near(ok.Sum(r => r.Last!.Value - r.First!.Value) / 1000.0 / gaps, s["mean_itl_ms"]);
        var itl = new[] { "median", "p90", "p95", "p99", "p99.9" }.Select(k => (double)s[k == "median" ? "median_itl_ms" : $"{k}_itl_ms"]!).ToArray();
        Assert.Equal(itl.Order(), itl);
        // Their distribution is pinned on known gaps by PeerDefinitionsTests. Here only what the rows bound: no gap is
        // negative or longer than its request's first-to-last span. (Not "about 3 ms": on a loaded machine the client
        // reads several events at once, and the pooled median of their gaps can legitimately be near 0.)
        Assert.InRange(itl[0], 0, itl[^1]);
        Assert.InRange(itl[^1], 0, (ok.Max(r => r.Last!.Value - r.First!.Value) / 1000.0) + 0.1);
    }

    private static void CheckGuideLlm(JsonNode b, List<Row> measured, List<Row> ok)
    {
        var totals = b["request_totals"]!;
        Assert.Equal(ok.Count, (int)totals["successful"]!);
        Assert.Equal(measured.Count - ok.Count, (int)totals["errored"]!);
        Assert.Equal(0, (int)totals["incomplete"]!);

        int Out(Row r) => r.ServerOutput ?? r.Chunks;
        int Prompt(Row r) => r.ServerInput ?? r.Input;
        var metrics = b["metrics"]!;
        Compare(metrics["request_latency"], ok.Select(r => ((r.End - r.Sent) / 1e6, 1.0)));
        Compare(metrics["time_to_first_token_ms"], ok.Select(r => ((r.First!.Value - r.Sent) / 1000.0, 1.0)));
        Compare(metrics["inter_token_latency_ms"], ok.Select(r =>
            (Out(r) > 1 ? (r.Last!.Value - r.First!.Value) / 1000.0 / (Out(r) - 1) : 0, Out(r) - 1.0)));
        Compare(metrics["time_per_output_token_ms"], ok.Select(r => ((r.Last!.Value - r.Sent) / 1000.0 / Out(r), (double)Out(r))));
        Compare(metrics["prompt_token_count"], ok.Select(r => ((double)Prompt(r), 1.0)));
        Compare(metrics["output_token_count"], ok.Select(r => ((double)Out(r), 1.0)));
        Compare(metrics["total_token_count"], ok.Select(r => ((double)(Prompt(r) + Out(r)), 1.0)));
        var perRequest = b["request_stats_distributions"]!;
        Compare(perRequest["output_tokens_per_second"], ok.Select(r => (Out(r) / ((r.End - r.Sent) / 1e6), 1.0)));
        Compare(perRequest["tokens_per_second"], ok.Select(r => ((Prompt(r) + Out(r)) / ((r.End - r.Sent) / 1e6), 1.0)));
    }

    /// <summary>GuideLLM's summary written plainly: weights normalised, pXX = first value whose running share reaches XX.</summary>
    private static void Compare(JsonNode? exported, IEnumerable<(double Value, double Weight)> items)
    {
        var s = exported!["successful"]!;
        var all = items.ToList();
        // Equal values are one point of the distribution, their weights added.
        var kept = all.GroupBy(i => i.Value).Select(g => (Value: g.Key, Weight: g.Sum(i => i.Weight))).Where(i => i.Weight > 0).OrderBy(i
            => i.Value).ToList();
        var total = kept.Sum(i => i.Weight);
        var mean = kept.Sum(i => i.Value * i.Weight) / total;
        var variance = kept.Sum(i => (i.Value - mean) * (i.Value - mean) * i.Weight) / total;
        double At(double p)
        {
            var running = 0.0;
            foreach (var (value, weight) in kept)
            {
                running += weight / total;
                if (running >= p)
                {
                    return value;
                }
            }

            return kept[^1].Value;
        }

        var count = Math.Round(all.Sum(i => i.Weight), MidpointRounding.ToEven);
        Near(mean, s["mean"]);
        Near(Math.Sqrt(variance), s["std_dev"]);
        Near(kept[0].Value, s["min"]);
        Near(kept[^1].Value, s["max"]);
        Assert.Equal(count, (double)s["count"]!);
        Near(mean * count, s["total_sum"]);
        Near(At(0.5), s["median"]);
        foreach (var (name, p) in new[] { ("p001", 0.001), ("p01", 0.01), ("p05", 0.05), ("p10", 0.1), ("p25", 0.25), ("p50", 0.5), ("p75", 0.75),
            ("p90", 0.9), ("p95", 0.95), ("p99", 0.99), ("p999", 0.999) })
        {
            Near(At(p), s["percentiles"]![name]);
        }
    }

    /// <summary>numpy's default percentile: linear between the values at ranks ⌊(n−1)p⌋ and ⌈(n−1)p⌉.</summary>
    private static double Interpolated(double[] sorted, double percent)
    {
        var rank = (sorted.Length - 1) * percent / 100;
        var below = sorted[(int)Math.Floor(rank)];
        var above = sorted[(int)Math.Ceiling(rank)];
        return below + ((above - below) * (rank - Math.Floor(rank)));
    }

    private static Row Parse(string line)
    {
        var r = JsonDocument.Parse(line).RootElement;
        long? Long(string name) => r.GetProperty(name).ValueKind == JsonValueKind.Null ? null : r.GetProperty(name).GetInt64();
        int? Int(string name) => r.GetProperty(name).ValueKind == JsonValueKind.Null ? null : r.GetProperty(name).GetInt32();
        return new Row(r.GetProperty("warmup").GetBoolean(), r.GetProperty("error").GetString(), r.GetProperty("sent_us").GetInt64(),
            Long("first_token_us"), Long("last_token_us"), r.GetProperty("end_us").GetInt64(), r.GetProperty("input_tokens").GetInt32(),
            Int("server_input_tokens"), r.GetProperty("output_tokens").GetInt32(), Int("server_output_tokens"), r.GetProperty("chunks").GetInt32());
    }

    private static void Near(double expected, JsonNode? actual)
    {
        Assert.NotNull(actual);
        var value = (double)actual;
        // The sets round to 6 decimals; the rows carry whole microseconds, as the sets' inputs do.
        Assert.True(Math.Abs(expected - value) <= 1e-5 * Math.Max(1, Math.Abs(expected)), $"expected {expected}, got {value}");
    }

    private static async Task<(int Exit, string Stderr)> RunAsync(params string[] args)
    {
        var (stdout, stderr) = (Console.Out, Console.Error);
        using var capturedOut = new StringWriter();
        using var capturedErr = new StringWriter();
        Console.SetOut(capturedOut);
        Console.SetError(capturedErr);
        try
        {
            return (await AibenchCommandLine.RunAsync(["loadgen", .. args]), capturedErr.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
    }
}
