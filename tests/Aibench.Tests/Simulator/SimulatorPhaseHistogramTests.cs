using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Aibench.Simulator;
using Aibench.Tests.Infrastructure;

namespace Aibench.Tests.Simulator;

/// <summary>
/// The simulator's per-request histograms (queue, prefill, decode, E2E, TTFT) say what it actually did: every finished
/// request is observed once in each, in both engine modes, and the sums fit inside what the client saw.
/// </summary>
[Collection(nameof(TimingCollection))]
[Trait("Category", TimingCollection.Trait)]
public sealed class SimulatorPhaseHistogramTests
{
    private const int Tokens = 10;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Generous per-request slack for a loaded 2-core machine: thread hand-overs and the loopback round trip.</summary>
    private const double SlackSeconds = 0.02;

    public static TheoryData<string> Modes => new(["fixed", "batching"]);

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Every_finished_request_is_observed_in_each_phase_and_queue_plus_prefill_is_its_ttft(string mode)
    {
        const int requests = 6;
        var options = mode == "fixed"
            ? new SimOptions { Ttft = TimeSpan.FromMilliseconds(30), Itl = TimeSpan.FromMilliseconds(2) }
            // Two sequences at a time: four of the six requests wait in the queue for a whole generation.
            : new SimOptions { MaxNumSeqs = 2, DecodeBase = TimeSpan.FromMilliseconds(10), DecodePerSeq = TimeSpan.Zero,
                PrefillBase = TimeSpan.FromMilliseconds(10), PrefillPerToken = TimeSpan.Zero };
        await using var sim = await Sim.StartAsync(options);
        await StreamAsync(sim, "warm-up");
        var before = Parse(await sim.MetricsAsync());

        var seen = await Task.WhenAll(Enumerable.Range(0, requests).Select(i => StreamAsync(sim, $"request {i}")));
        var after = Parse(await sim.MetricsAsync());
        double Delta(string name) => after[name] - before.GetValueOrDefault(name);

        foreach (var phase in new[] { "time_to_first_token", "request_queue_time", "request_prefill_time", "request_decode_time",
            "e2e_request_latency" })
        {
            Assert.Equal(requests, Delta($"vllm:{phase}_seconds_count"));
        }

        var (ttft, queue, prefill) = (Delta("vllm:time_to_first_token_seconds_sum"), Delta("vllm:request_queue_time_seconds_sum"),
            Delta("vllm:request_prefill_time_seconds_sum"));
        var (decode, e2e) = (Delta("vllm:request_decode_time_seconds_sum"), Delta("vllm:e2e_request_latency_seconds_sum"));
        // Queue and prefill end when the engine has the first token; the server's TTFT when its HTTP handler writes it.
        Assert.InRange(ttft - (queue + prefill), -1e-9, requests * SlackSeconds);
        Assert.True(queue + prefill + decode <= e2e + 1e-9, $"queue {queue} + prefill {prefill} + decode {decode} > e2e {e2e}");
        // The server's intervals lie inside the client's: sent before arrival, seen after written.
        Assert.True(ttft <= seen.Sum(s => s.Ttft), $"server TTFT {ttft} s > client {seen.Sum(s => s.Ttft)} s");
        Assert.True(e2e <= seen.Sum(s => s.E2e), $"server E2E {e2e} s > client {seen.Sum(s => s.E2e)} s");
        Assert.InRange(decode, seen.Sum(s => s.Decode) - (requests * SlackSeconds), seen.Sum(s => s.Decode) + (requests * SlackSeconds));
        if (mode == "fixed")
        {
            // No queue in fixed-latency mode: the configured TTFT is all prefill.
            Assert.Equal(0, queue);
            Assert.InRange(prefill / requests, 0.030, 0.030 + SlackSeconds);
        }
        else
        {
            // Requests 3–6 waited at least one whole generation of the first two (10 steps of 10 ms and a prefill).
            Assert.True(queue > 4 * 0.05, $"queue sum {queue} s");
            Assert.True(prefill >= requests * 0.010, $"prefill sum {prefill} s");
        }
    }

    private sealed record Seen(double Ttft, double Decode, double E2e);

    private static async Task<Seen> StreamAsync(Sim sim, string prompt)
    {
        var started = Stopwatch.GetTimestamp();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(sim.Url, "/v1/completions"))
        {
            Content = JsonContent.Create(new { model = "sim-model", prompt, max_tokens = Tokens, ignore_eos = true, stream = true }),
        };
        using var response = await sim.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));
        double? first = null, last = null;
        var chunks = 0;
        while (await reader.ReadLineAsync(Ct) is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            var data = line["data: ".Length..];
            var now = Stopwatch.GetElapsedTime(started).TotalSeconds;
            if (data == "[DONE]")
            {
                Assert.Equal(Tokens, chunks);
                return new Seen(first!.Value, last!.Value - first.Value, now);
            }

            var choices = JsonDocument.Parse(data).RootElement.GetProperty("choices");
            if (choices.GetArrayLength() == 1 && choices[0].GetProperty("text").GetString() is { Length: > 0 })
            {
                first ??= now;
                last = now;
                chunks++;
            }
        }

        throw new InvalidOperationException("the stream ended without [DONE]");
    }

    /// <summary>Unlabelled-by-le series of the exposition (sums and counts), by name.</summary>
    private static Dictionary<string, double> Parse(string metrics) =>
        metrics.Split('\n')
            .Where(l => l.Length > 0 && l[0] != '#' && !l.Contains("le=", StringComparison.Ordinal))
            .Select(l => (Name: l[..l.IndexOf('{', StringComparison.Ordinal)],
                Value: double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)))
            .GroupBy(x => x.Name)
            .ToDictionary(g => g.Key, g => g.Sum(x => x.Value));
}
