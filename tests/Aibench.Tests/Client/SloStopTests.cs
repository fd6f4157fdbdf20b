using Aibench.Client.LoadGen;
using Aibench.Contracts.Client;

namespace Aibench.Tests.Client;

/// <summary>The early stop for objectives: exactly when the target can no longer be reached, counting only what can still be measured.</summary>
public sealed class SloStopTests
{
    private static LoadPlan Plan(double target, int cap, bool stopEarly = true) => LoadPlan.From(
        new BenchmarkSpec(Urls: ["http://node1:8000"], Load: new LoadShape("rate", Rate: 10), MaxRequests: cap,
            Slo: new SloSpec(Ttft: "100ms", Target: target, StopEarly: stopEarly)),
        [new Uri("http://node1:8000/")], "m");

    /// <summary>A measured request: within the 100 ms TTFT objective or not.</summary>
    private static RequestRecord Request(bool meets) => new()
    {
        ScheduledUs = 0, SentUs = 0, FirstTokenUs = meets ? 50_000 : 500_000, LastTokenUs = 600_000, EndUs = 600_000, OutputTokens = 2,
        ServerInputTokens = -1, ServerOutputTokens = -1,
    };

    [Theory]
    // (1 − 0.9) × 200 = 20 in decimal (19.999… in binary floating point): the 21st miss stops the run, not the 20th.
    [InlineData(0.9, 200, 0, 21)]
    [InlineData(0.8, 50, 0, 11)]
    // 50 warm-up requests sent: at most 150 are measured, so 15 may miss.
    [InlineData(0.9, 200, 50, 16)]
    [InlineData(1.0, 10, 0, 1)]
    public void The_run_stops_at_the_first_miss_that_makes_the_target_unreachable(double target, int cap, int warmup, int stopsAt)
    {
        using var stop = new SloStop(Plan(target, cap));
        for (var i = 0; i < warmup; i++) stop.WarmupSent();

        Assert.False(stop.Missed(Request(meets: true)));
        for (var miss = 1; miss < stopsAt; miss++)
        {
            Assert.False(stop.Missed(Request(meets: false)), $"miss {miss}");
        }

        Assert.True(stop.Missed(Request(meets: false)));
        // Once: the token is cancelled by the one that stopped it.
        Assert.False(stop.Missed(Request(meets: false)));
        Assert.True(SpinWait.SpinUntil(() => stop.Token.IsCancellationRequested, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void Without_stop_early_nothing_stops()
    {
        using var stop = new SloStop(Plan(0.9, 10, stopEarly: false));
        Assert.All(Enumerable.Range(0, 20), _ => Assert.False(stop.Missed(Request(meets: false))));
        Assert.False(stop.Token.IsCancellationRequested);
    }
}
