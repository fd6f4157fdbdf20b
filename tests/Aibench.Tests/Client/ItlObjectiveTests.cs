using Aibench.Client.LoadGen;
using Aibench.Contracts.Client;
using Aibench.Simulator;
using Aibench.Tests.Infrastructure;

namespace Aibench.Tests.Client;

/// <summary>The inter-token latency objective (<c>slo.itl</c>): the mean gap between a request's tokens, without the wait for the end.</summary>
public sealed class ItlObjectiveTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static LoadPlan Plan(string itl) => LoadPlan.From(
        new BenchmarkSpec(Urls: ["http://node1:8000"], Load: new LoadShape("rate", Rate: 10), Slo: new SloSpec(Itl: itl)),
        [new Uri("http://node1:8000/")], "m");

    [Fact]
    public void A_request_meets_the_itl_objective_by_its_token_gaps_not_by_the_wait_for_the_end_of_the_answer()
    {
        // First token at 100 ms, the 5th and last at 180 ms: (180 − 100) / (5 − 1) = 20 ms. The answer ends at 900 ms,
        // which makes TPOT (900 − 100) / 4 = 200 ms: the ITL objective does not see that wait.
        var request = new RequestRecord
        {
            ScheduledUs = 0, SentUs = 0, FirstTokenUs = 100_000, LastTokenUs = 180_000, EndUs = 900_000, OutputTokens = 5,
            ServerInputTokens = -1, ServerOutputTokens = -1,
        };
        Assert.Equal(20_000, request.ItlUs);
        Assert.Equal(200_000, request.TpotUs);
        Assert.True(Summarizer.MeetsSlo(request, Plan("25ms")));
        Assert.False(Summarizer.MeetsSlo(request, Plan("15ms")));
        // One output token has no gap: the objective does not apply, as TPOT's.
        Assert.True(Summarizer.MeetsSlo(request with { OutputTokens = 1 }, Plan("15ms")));
    }

    [Theory]
    [InlineData("5ms", 0.0)]
    [InlineData("1s", 1.0)]
    public async Task Against_the_simulator_the_share_meeting_the_itl_objective_follows_its_token_gap(string itl, double share)
    {
        // 20 ms between tokens: every request misses 5 ms and meets 1 s.
        await using var sim = await Sim.StartAsync(new SimOptions { Ttft = TimeSpan.FromMilliseconds(2), Itl = TimeSpan.FromMilliseconds(20) });
        var spec = new BenchmarkSpec(Load: new LoadShape("concurrency", Concurrency: 2), MaxRequests: 6, Dataset: "random:input=16,output=6",
            Slo: new SloSpec(Itl: itl));

        var (_, summary) = await LoadGenRun.RunAsync(spec, sim.Url, Ct);

        Assert.Equal(6, summary.Overall.Completed);
        Assert.Equal(share, summary.Overall.ObjectiveAttainment!["itl"]);
        Assert.Equal(share, summary.Overall.GoodputFraction);
    }
}
