using Aibench.Client.LoadGen;
using Aibench.Contracts.Client;
using Aibench.Simulator;
using Aibench.Tests.Infrastructure;

namespace Aibench.Tests.Client;

/// <summary><c>measuredRequests</c>: a cap on the measured requests only, whatever the warm-up of a given time sent before them.</summary>
public sealed class MeasuredRequestsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("concurrency")]
    [InlineData("rate")]
    public async Task A_run_sends_exactly_its_measured_requests_after_a_timed_warmup(string kind)
    {
        await using var sim = await Sim.StartAsync(new SimOptions { Ttft = TimeSpan.FromMilliseconds(2), Itl = TimeSpan.FromMilliseconds(2) });
        var load = kind == "rate" ? new LoadShape("rate", Rate: 40) : new LoadShape("concurrency", Concurrency: 3);
        var spec = new BenchmarkSpec(Load: load, Warmup: "1s", MeasuredRequests: 25, Dataset: "random:input=16,output=4");

        var (outcome, summary) = await LoadGenRun.RunAsync(spec, sim.Url, Ct);

        Assert.True(outcome.Records.Count(r => r.Warmup) > 3, $"{outcome.Records.Count(r => r.Warmup)} warm-up requests");
        Assert.Equal(25, outcome.Records.Count(r => !r.Warmup));
        Assert.Equal(25, summary.Overall.Completed);
        Assert.Equal("max-requests", summary.StopReason);
    }

    [Fact]
    public void Measured_requests_and_max_requests_together_are_refused_by_field()
    {
        var errors = new BenchmarkSpecValidator().Validate(new BenchmarkSpec(Urls: ["http://node1:8000"], MaxRequests: 10, MeasuredRequests: 10,
            Load: new LoadShape("concurrency", Concurrency: 1)));
        Assert.Contains(errors.Errors, e => e.PropertyName == "measuredRequests" && e.ErrorMessage.Contains("not both", StringComparison.Ordinal));
        errors = new BenchmarkSpecValidator().Validate(new BenchmarkSpec(Urls: ["http://node1:8000"], MeasuredRequests: 0,
            Load: new LoadShape("concurrency", Concurrency: 1)));
        Assert.Contains(errors.Errors, e => e.PropertyName == "measuredRequests");
    }
}
