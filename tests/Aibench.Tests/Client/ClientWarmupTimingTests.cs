using System.Text.Json;
using Aibench.Simulator;
using Aibench.Tests.Infrastructure;

namespace Aibench.Tests.Client;

/// <summary>
/// Issue 14 part 5: the tool's own start-up stays out of the numbers. Before, <c>aibench loadgen --rate 50</c> against
/// a simulator answering in 50 ms reported TTFT p99 347 ms, because the first second carried JIT compilation and
/// connection set-up; the rest alone gave 64 ms. A default run now calibrates and warms the client before the clock.
/// </summary>
[Collection(nameof(TimingCollection))]
[Trait("Category", TimingCollection.Trait)]
public sealed class ClientWarmupTimingTests : IDisposable
{
    /// <summary>What a loaded machine may add to one request of the first second beyond the envelope's own p99.</summary>
    private const double SlackMs = 25;

    private readonly string _dir = Directory.CreateTempSubdirectory("aibench-warmup-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task The_first_second_of_a_default_run_is_within_the_client_envelope_of_the_rest()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var sim = await Sim.StartAsync(new SimOptions { Ttft = TimeSpan.FromMilliseconds(50), Itl = TimeSpan.FromMilliseconds(5) });
        var output = Path.Combine(_dir, "result.json");
        var records = Path.Combine(_dir, "requests.jsonl");
        // A fresh process, as a user starts it: nothing compiled, no connection open. Defaults for calibration and warm-up.
        await using (var process = AibenchProcess.Start(Path.Combine(_dir, "home"), "loadgen", "--url", sim.Url.ToString(), "--model", "sim-model",
                         "--rate", "50", "--duration", "6s", "--dataset", "random:input=64,output=16", "--output", output, "--requests", records,
                             "--quiet"))
        {
            Assert.True(await process.ExitCodeAsync(TimeSpan.FromMinutes(2)) == 0, process.Stderr);
        }

        var ttfts = (await File.ReadAllLinesAsync(records, ct))
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(r => r.GetProperty("error").ValueKind == JsonValueKind.Null)
            .Select(r => (Scheduled: r.GetProperty("scheduled_us").GetInt64(), Ttft: r.GetProperty("ttft_ms").GetDouble()))
            .ToList();
        var first = ttfts.Where(r => r.Scheduled < 1_000_000).Select(r => r.Ttft).ToList();
        var rest = ttfts.Where(r => r.Scheduled >= 1_000_000).Select(r => r.Ttft).ToList();
        // Poisson at 50 req/s: about 50 in the first second and 250 after; a handful is still enough for a max.
        Assert.True(first.Count >= 20 && rest.Count >= 150, $"first {first.Count}, rest {rest.Count}");

        using var document = JsonDocument.Parse(await File.ReadAllBytesAsync(output, ct));
        var summary = document.RootElement.GetProperty("summary");
        var envelope = summary.GetProperty("envelope");
        Assert.Equal("measured", envelope.GetProperty("status").GetString());
        Assert.True(summary.GetProperty("clientWarmup").GetProperty("requests").GetInt64() >= 1);

        // "Within the client envelope": the first second's p99 exceeds the rest's by no more than what the client itself
        // adds at p99 against an instant server (its TTFT floor p99), plus a slack for a loaded machine.
        var floor = envelope.GetProperty("ttftP99Ms").GetDouble();
        var firstP99 = P99(first);
        var restP99 = P99(rest);
        Assert.True(firstP99 <= restP99 + floor + SlackMs,
            $"first second TTFT p99 {firstP99:0.##} ms > rest p99 {restP99:0.##} + envelope TTFT p99 {floor:0.##} + {SlackMs} ms");
    }

    /// <summary>Nearest rank, as the summary computes it.</summary>
    private static double P99(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(0.99 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}
