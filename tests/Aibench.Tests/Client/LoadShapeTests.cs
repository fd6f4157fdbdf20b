using Aibench.Contracts.Client;
using Aibench.Simulator;
using Aibench.Tests.Infrastructure;

namespace Aibench.Tests.Client;

/// <summary>The load shapes against a real (simulated) server, on the real clock.</summary>
[Collection(nameof(TimingCollection))]
[Trait("Category", TimingCollection.Trait)]
public sealed class LoadShapeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<Sim> FastSim() => Sim.StartAsync(new SimOptions { Ttft = TimeSpan.FromMilliseconds(1), Itl = TimeSpan.FromMilliseconds(1) });

    [Fact]
    public async Task Open_loop_achieves_200_requests_per_second_within_2_percent_over_a_minute()
    {
        await using var sim = await FastSim();
        var spec = new BenchmarkSpec(Load: new LoadShape("rate", Rate: 200, Arrival: "constant"), Duration: "60s",
            Dataset: "random:input=16,output=2");

        var (outcome, summary) = await LoadGenRun.RunAsync(spec, sim.Url, Ct);

        var s = summary.Overall;
        Assert.Equal(12_000, s.Sent);
        Assert.InRange(s.AchievedRate!.Value, 196, 204);
        Assert.InRange(s.RequestThroughput, 196, 204);
        Assert.Equal(0, s.Failed);
        // Sends per wall-clock second, measured from the records, hold the rate throughout.
        var perSecond = outcome.Records.GroupBy(r => r.SentUs / 1_000_000).Where(g => g.Key < 60).Select(g => g.Count()).ToList();
        Assert.All(perSecond, n => Assert.InRange(n, 190, 210));
        Assert.True(s.ScheduleLagMs!.P50 < 1, $"lag p50 {s.ScheduleLagMs.P50} ms");
    }

    [Fact]
    public async Task Poisson_sends_pass_a_kolmogorov_smirnov_test_at_1_percent()
    {
        await using var sim = await FastSim();
        // The warm-up keeps the first sends, slowed by JIT and connection set-up, out of the sample.
        var spec = new BenchmarkSpec(Load: new LoadShape("rate", Rate: 100, Arrival: "poisson"), Duration: "11s", Warmup: "1s", Seed: 11,
            Dataset: "random:input=16,output=2");

        var (outcome, _) = await LoadGenRun.RunAsync(spec, sim.Url, Ct);

        // The actual send times, not the schedule: what the server saw.
        var sent = outcome.Records.Where(r => !r.Warmup).Select(r => r.SentUs / 1e6).Order().ToArray();
        var gaps = sent.Zip(sent.Skip(1), (a, b) => b - a).ToArray();
        Assert.InRange(gaps.Length, 850, 1150);
        var d = ArrivalsTests.KsExponential(gaps, 100);
        Assert.True(d < ArrivalsTests.KsCritical1Percent(gaps.Length), $"D = {d}");
    }

    [Fact]
    public async Task A_ramp_holds_its_rising_rate_second_by_second()
    {
        await using var sim = await FastSim();
        var spec = new BenchmarkSpec(Load: new LoadShape("ramp", From: 20, To: 100, Arrival: "constant"), Duration: "8s",
            Dataset: "random:input=16,output=2");

        var (outcome, summary) = await LoadGenRun.RunAsync(spec, sim.Url, Ct);

        // r(t) = 20 + 10t, so second s holds 20 + 10s + 5 requests.
        Assert.InRange(summary.Overall.Sent, 479, 481);
        for (var s = 0; s < 8; s++)
        {
            var expected = 25 + (10 * s);
            var actual = outcome.Records.Count(r => r.SentUs >= s * 1_000_000L && r.SentUs < (s + 1) * 1_000_000L);
            Assert.InRange(actual, expected - 2, expected + 2);
        }

        Assert.InRange(summary.Overall.AchievedRate!.Value, 58.8, 61.2);
        Assert.Equal(60, summary.Overall.TargetRate);
    }

    [Fact]
    public async Task A_rate_sweep_holds_each_step_and_reports_it_separately()
    {
        await using var sim = await FastSim();
        var spec = new BenchmarkSpec(Load: new LoadShape("sweep", Rates: [40, 120], Arrival: "constant"), Duration: "3s",
            Dataset: "random:input=16,output=2");

        var (outcome, summary) = await LoadGenRun.RunAsync(spec, sim.Url, Ct);

        Assert.Equal(2, summary.Steps.Count);
        Assert.Equal(120, summary.Steps[0].Sent);
        Assert.Equal(360, summary.Steps[1].Sent);
        Assert.InRange(summary.Steps[0].AchievedRate!.Value, 39.2, 40.8);
        Assert.InRange(summary.Steps[1].AchievedRate!.Value, 117.6, 122.4);
        Assert.Equal(480, summary.Overall.Sent);
        // Steps do not overlap: the second starts after the first's last answer.
        Assert.True(outcome.Records.Where(r => r.Step == 0).Max(r => r.EndUs) <= outcome.Records.Where(r => r.Step == 1).Min(r => r.SentUs));
    }

    [Fact]
    public async Task A_concurrency_sweep_never_exceeds_the_level_of_each_step()
    {
        await using var sim = await Sim.StartAsync(new SimOptions { Ttft = TimeSpan.FromMilliseconds(2), Itl = TimeSpan.FromMilliseconds(2) });
        var spec = new BenchmarkSpec(Load: new LoadShape("sweep", Concurrencies: [1, 4, 8]), Duration: "1s",
            Dataset: "random:input=16,output=4");

        var (outcome, summary) = await LoadGenRun.RunAsync(spec, sim.Url, Ct);

        Assert.Equal(3, summary.Steps.Count);
        int[] levels = [1, 4, 8];
        for (var i = 0; i < 3; i++)
        {
            var step = outcome.Records.Where(r => r.Step == i).ToList();
            Assert.True(step.Count > 20 * levels[i], $"step {i}: {step.Count} requests");
            var overlap = LoadGenRun.MaxOverlap(step);
            Assert.True(overlap == levels[i], $"step {i}: {overlap} in flight; steps {string.Join(" | ", outcome.Steps)}; first requests: " +
                string.Join("; ", step.OrderBy(r => r.SentUs).Take(12).Select(r => $"#{r.Index} sent {r.SentUs} end {r.EndUs} {r.Error}")));
            Assert.Equal(levels[i], summary.Steps[i].MaxConcurrency);
        }
    }

    [Fact]
    public async Task An_in_flight_cap_holds_and_the_wait_for_it_counts_as_latency()
    {
        // 50 req/s of 100 ms requests want 5 in flight; a cap of 2 queues the rest in the client.
        await using var sim = await Sim.StartAsync(new SimOptions { Ttft = TimeSpan.FromMilliseconds(50), Itl = TimeSpan.FromMilliseconds(50) });
        var spec = new BenchmarkSpec(Load: new LoadShape("rate", Rate: 50, Arrival: "constant", MaxInFlight: 2), Duration: "2s",
            Dataset: "random:input=16,output=2");

        var (outcome, summary) = await LoadGenRun.RunAsync(spec, sim.Url, Ct);

        Assert.Equal(2, LoadGenRun.MaxOverlap(outcome.Records));
        // The queue grows: the last requests waited long before they could be sent, and E2E shows it.
        Assert.True(summary.Overall.ScheduleLagMs!.Max > 500, $"lag max {summary.Overall.ScheduleLagMs.Max}");
        Assert.True(summary.Overall.E2eMs!.Max > summary.Overall.ScheduleLagMs.Max + 90);
        Assert.True(summary.Overall.AchievedRate < 25, $"achieved {summary.Overall.AchievedRate}");
    }
}
