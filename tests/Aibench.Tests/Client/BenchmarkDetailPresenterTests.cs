using Aibench.Client.Features;
using Aibench.Client.LoadGen;
using Aibench.Client.Pages;
using Aibench.Contracts.Client;

namespace Aibench.Tests.Client;

/// <summary>The benchmark page's derived numbers and texts, and when it stops asking.</summary>
public sealed class BenchmarkDetailPresenterTests
{
    private static BenchmarkProgressed Progress(double elapsed, int step, int steps)
        => new(Guid.NewGuid(), null, elapsed, step, steps, "s", 0, 0, 0, 0, 0, 0, null);

    [Theory]
    [InlineData("completed", true)]
    [InlineData("partial", true)]
    [InlineData("failed", true)]
    [InlineData("cancelled", true)]
    [InlineData("running", false)]
    [InlineData("pending", false)]
    public void Ended_runs_are_terminal(string status, bool terminal) => Assert.Equal(terminal, BenchmarkDetailPresenter.IsTerminal(status));

    [Fact]
    public void Progress_counts_time_against_the_duration_and_otherwise_finished_steps()
    {
        Assert.Equal(25, BenchmarkDetailPresenter.PercentDone(Progress(30, 1, 2), new BenchmarkSpec(Duration: "1m")));
        Assert.Equal(100, BenchmarkDetailPresenter.PercentDone(Progress(600, 2, 2), new BenchmarkSpec(Duration: "1m")));
        Assert.Equal(50, BenchmarkDetailPresenter.PercentDone(Progress(30, 3, 4), new BenchmarkSpec(MaxRequests: 100)));
        Assert.Equal(0, BenchmarkDetailPresenter.PercentDone(Progress(30, 0, 0), new BenchmarkSpec()));
    }

    [Fact]
    public void The_load_is_described_with_its_limits()
    {
        Assert.Equal("concurrency 1", BenchmarkDetailPresenter.Describe(new BenchmarkSpec()));
        Assert.Equal("2 req/s, gamma arrivals (burstiness 0.5); for 1m, at most 10 requests, 5s warm-up, at most 3 in flight",
            BenchmarkDetailPresenter.Describe(new
                BenchmarkSpec(Load: new LoadShape("rate", Rate: 2, Arrival: "gamma", Burstiness: 0.5, MaxInFlight: 3),
                Duration: "1m", MaxRequests: 10, Warmup: "5s")));
        Assert.Equal("sweep over concurrency 1, 4; 30s per step",
            BenchmarkDetailPresenter.Describe(new BenchmarkSpec(Load: new LoadShape("sweep", Concurrencies: [1, 4]), Duration: "30s")));
    }

    [Fact]
    public void The_token_count_mismatch_says_when_the_server_sent_no_usage()
    {
        Assert.Equal("server sent no usage", BenchmarkDetailPresenter.MismatchText(new TokenTotals(1, 1, 0, 0, 0, 0, 0, null, null)));
        Assert.Equal("input +1.5 %, output -2 % over 12 requests",
            BenchmarkDetailPresenter.MismatchText(new TokenTotals(1, 1, 12, 0, 0, 0, 0, 1.5, -2)));
    }

    [Fact]
    public void A_running_run_is_read_again_and_its_series_are_not_due()
    {
        var view = new BenchmarkDetailPresenter();
        Assert.False(view.Settled);
        var run = new BenchmarkSummary(Guid.NewGuid(), "r", "running", "http://a", null, null, DateTimeOffset.UnixEpoch, null, null, null,
            null, null, null, null, null, null, null, null);

        view.Loaded(new BenchmarkDetail(run, new BenchmarkSpec(), null, null, null));

        Assert.False(view.SeriesDue);
        Assert.False(view.Settled);
        Assert.True(new BenchmarkDetailPresenter { NotFound = true }.Settled);
    }

    [Fact]
    public void Stored_series_make_the_three_charts_and_an_empty_one_none()
    {
        var view = new BenchmarkDetailPresenter();
        view.SeriesRead([]);
        Assert.True(view.SeriesLoaded);
        Assert.Null(view.Requests);

        view.SeriesRead([new SecondPoint(0, 2, 1, 0, 10, 20, 2, 40, 90), new SecondPoint(1, 2, 2, 0, 10, 20, 2, 45, 95)]);

        Assert.NotNull(view.Requests);
        Assert.NotNull(view.Tokens);
        Assert.NotNull(view.Latency);
    }
}
