using Aibench.Client.LoadGen;
using Aibench.Client.LoadGen.Datasets;
using Aibench.Contracts.Client;
using Aibench.Simulator;
using Aibench.Tests.Infrastructure;

namespace Aibench.Tests.Client;

/// <summary>
/// Chunks that carry several tokens (vLLM's stream interval, speculative decoding): output counts come from usage, the
/// chunk count is kept beside them, and with per-chunk usage the inter-token latency is per token, not per chunk.
/// </summary>
[Collection(nameof(TimingCollection))]
[Trait("Category", TimingCollection.Trait)]
public sealed class MultiTokenChunkTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(RunOutcome Outcome, RunSummary Summary)> RunAsync(bool continuousUsage)
    {
        await using var sim = await Sim.StartAsync(new SimOptions { Ttft = TimeSpan.FromMilliseconds(20), Itl = TimeSpan.FromMilliseconds(10),
            TokensPerChunk = 4 });
        var spec = new BenchmarkSpec(Urls: [sim.Url.ToString()], Load: new LoadShape("concurrency", Concurrency: 2), MaxRequests: 8,
            Dataset: "random:input=32,output=40,count=8");
        var plan = LoadPlan.From(spec, [sim.Url], "sim-model") with { ContinuousUsage = continuousUsage };
        var prompts = DatasetLoader.Load(spec.Dataset, spec.Api, spec.Seed, Ct);
        using var runner = new LoadRunner(plan, prompts);
        var outcome = await runner.RunAsync(prompts.Description, null, Ct);
        return (outcome, Summarizer.Summarize(outcome));
    }

    [Fact]
    public async Task With_per_chunk_usage_the_inter_token_latency_is_per_token()
    {
        var (outcome, summary) = await RunAsync(continuousUsage: true);

        Assert.All(outcome.Records, r => Assert.True(r.Ok, r.ErrorLabel));
        Assert.All(outcome.Records, r => Assert.Equal(40, r.ServerOutputTokens));
        Assert.All(outcome.Records, r => Assert.Equal(10, r.Chunks));
        // 9 chunk gaps of ~40 ms, each attributed to its 4 tokens: 36 gaps of ~10 ms a request.
        Assert.Equal(8 * 36, summary.Overall.ItlMs!.Count);
        Assert.InRange(summary.Overall.ItlMs.P50, 8, 20);
        Assert.Equal(4, summary.Overall.TokensPerChunk!.Mean);
    }

    [Fact]
    public async Task Each_requests_itls_has_one_gap_per_chunk_even_when_the_pooled_itl_is_per_token()
    {
        var (outcome, summary) = await RunAsync(continuousUsage: true);

        var itls = (double[][])VllmKeys.PerRequest(outcome.Records, outcome.Details, texts: false)["itls"]!;
        Assert.Equal(8 * 36, summary.Overall.ItlMs!.Count);
        // As vLLM bench's output.itl: 10 chunks give 9 gaps of ~40 ms, not 36 of ~10 ms.
        Assert.Equal(8, itls.Length);
        Assert.All(itls, l => Assert.Equal(9, l.Length));
        Assert.InRange(itls.SelectMany(l => l).Order().ElementAt(36), 0.032, 0.07);
    }

    [Fact]
    public async Task Without_per_chunk_usage_the_gap_is_per_chunk_and_the_chunk_count_shows_why()
    {
        var (outcome, summary) = await RunAsync(continuousUsage: false);

        Assert.All(outcome.Records, r => Assert.Equal(40, r.ServerOutputTokens));
        Assert.Equal(8 * 9, summary.Overall.ItlMs!.Count);
        Assert.InRange(summary.Overall.ItlMs.P50, 32, 70);
        // Tokens per chunk (usage ÷ chunks) is the sign that ITL here is per chunk.
        Assert.Equal(4, summary.Overall.TokensPerChunk!.Mean);
    }
}
