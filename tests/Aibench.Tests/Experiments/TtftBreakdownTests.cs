using Aibench.Contracts.Client;
using Aibench.Contracts.Monitor;
using Aibench.Experiments.Pages;
using Aibench.Experiments.Planning;

namespace Aibench.Tests.Experiments;

/// <summary>TTFT = queue + prefill + (network and client), and how the experiment page words it.</summary>
public sealed class TtftBreakdownTests
{
    private static BenchmarkStepResult Client(double ttftMean, double ttftP50, long completed = 100) =>
        new("4 in flight", 4, null, null, 10, completed, 0, 10, 100, ttftP50, ttftP50 * 1.5, 5, 300, 400, null,
            TtftMeanMs: ttftMean, TtftP90Ms: ttftP50 * 1.2, E2eMeanMs: 310, E2eP90Ms: 380);

    private static ServerLatency Server(string metric, double mean, double p50, double from, double to, long count = 100) =>
        new(metric, count, mean, new ServerQuantile(p50, from, to), new ServerQuantile(p50, from, to), new ServerQuantile(p50, from, to));

    private static ServerLatencies Latencies(double queue, double prefill, double ttft, long count = 100) => new(
        DateTimeOffset.Parse("2026-12-07T02:00:00Z"), DateTimeOffset.Parse("2026-12-07T02:01:00Z"), 2,
        Server("vllm:time_to_first_token_seconds", ttft, 50, 40, 60, count),
        Server("vllm:request_queue_time_seconds", queue, queue / 2, 0, 300, count),
        Server("vllm:request_prefill_time_seconds", prefill, 150, 0, 300, count),
        Server("vllm:request_decode_time_seconds", 250, 270, 0, 300, count),
        Server("vllm:e2e_request_latency_seconds", 305, 400, 300, 500, count));

    [Fact]
    public void Means_add_exactly_and_a_small_remainder_is_called_small()
    {
        var b = TtftBreakdown.Of(Client(52, 51), Latencies(queue: 1, prefill: 50, ttft: 51.5));

        Assert.Equal(1, b.Mean!.RemainderMs, 6);
        Assert.Equal(0.5, b.Mean.OutsideServerMs!.Value, 6);
        Assert.False(b.RemainderLarge);
        Assert.StartsWith("Small remainder", b.Verdict);
        // Every number names its source: the client's TTFT first, then the server's histograms.
        Assert.Equal(["client", "server", "server", "server", "server", "server", "client"], b.Lines.Select(l => l.Source));
        Assert.Equal("vllm:request_prefill_time_seconds", b.Lines.Single(l => l.Name == "prefill").Metric);
    }

    [Fact]
    public void A_remainder_above_a_fifth_of_ttft_and_five_ms_is_large_and_blamed_on_the_network_or_the_client()
    {
        var large = TtftBreakdown.Of(Client(80, 78), Latencies(queue: 5, prefill: 50, ttft: 56));
        Assert.True(large.RemainderLarge);
        Assert.Equal(25, large.Mean!.RemainderMs, 6);
        Assert.Contains("the network or the client", large.Verdict);

        // 40 % of a 6 ms TTFT is 2.4 ms: a share that large is still the loopback, not a problem.
        var tiny = TtftBreakdown.Of(Client(6, 6), Latencies(queue: 0, prefill: 3.6, ttft: 4));
        Assert.False(tiny.RemainderLarge);
    }

    [Fact]
    public void The_p50_line_is_an_approximation_whose_uncertainty_is_the_bucket_widths_and_a_note_says_so_when_it_drowns_the_remainder()
    {
        var b = TtftBreakdown.Of(Client(52, 51), Latencies(queue: 0, prefill: 50, ttft: 51));

        Assert.Equal(51 - 0 - 150, b.P50!.RemainderMs, 6);
        Assert.Equal(600, b.P50.UncertaintyMs);
        Assert.Contains(b.Notes, n => n.Contains("the means are exact", StringComparison.Ordinal));
    }

    [Fact]
    public void Server_and_client_counting_different_requests_is_noted_and_missing_histograms_say_why_there_is_no_breakdown()
    {
        var skewed = TtftBreakdown.Of(Client(52, 51, completed: 100), Latencies(0, 50, 51, count: 130));
        Assert.Contains(skewed.Notes, n => n.Contains("The server finished 130 request(s)", StringComparison.Ordinal));

        var none = TtftBreakdown.Of(Client(52, 51), new ServerLatencies(null, null, 0, null, null, null, null, null));
        Assert.Null(none.Mean);
        Assert.Contains("cannot be taken apart", none.Verdict);
        Assert.Equal(["client", "client"], none.Lines.Select(l => l.Source));
    }

    [Fact]
    public void The_panel_model_prints_both_equations_each_source_and_the_bucket_of_a_server_median()
    {
        var model = TtftPanelModel.Of(TtftBreakdown.Of(Client(80, 78), Latencies(queue: 4, prefill: 50, ttft: 56)));

        Assert.Equal("mean: TTFT 80 ms (client) = queue 4 ms (server) + prefill 50 ms (server) + 26 ms network and client (32.5 %)",
            model.MeanEquation);
        Assert.StartsWith("p50 (approximate, percentiles do not add): TTFT 78 ms ≈ queue 2 + prefill 150 + -74 ms", model.P50Equation);
        Assert.True(model.Large);
        var prefill = model.Rows.Single(r => r.Name == "prefill");
        Assert.Equal(("server", "vllm:request_prefill_time_seconds", "50", "150 (in 0–300)"),
            (prefill.Source, prefill.Metric, prefill.Mean, prefill.P50));
        Assert.Equal("client", model.Rows[0].Source);
        Assert.Contains("2 replica(s)", model.Window);
    }
}
