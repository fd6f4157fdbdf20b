using Aibench.Monitor.Query;

namespace Aibench.Tests.Monitor;

/// <summary>Histogram deltas over a window, as the TTFT breakdown takes them from the stored samples.</summary>
public sealed class HistogramDeltaTests
{
    private const long Grace = 15_000;

    private static IReadOnlyList<Point> Counter(params (long T, double V)[] points) => [.. points.Select(p => new Point(p.T, p.V))];

    [Fact]
    public void The_increase_runs_from_the_first_scrape_at_or_after_the_start_to_the_first_at_or_after_the_end()
    {
        // Scrapes every 5 s; the window 7 s..21 s. The scrape at 5 s (before the start) is not the baseline: what finished
        // between 5 and 7 s belongs to whatever ran before the window.
        var series = Counter((0, 0), (5, 10), (10, 14), (15, 20), (20, 26), (25, 30), (30, 100));
        var increase = HistogramDelta.Increase(Scale(series), 7_000, 21_000, Grace);

        Assert.Equal((16.0, 10_000L, 25_000L), increase);
    }

    [Fact]
    public void Without_a_scrape_after_the_end_within_the_grace_the_last_one_before_it_closes_the_window()
    {
        var series = Counter((0, 0), (5, 10), (10, 14), (60, 99));
        Assert.Equal((4.0, 5_000L, 10_000L), HistogramDelta.Increase(Scale(series), 5_000, 20_000, Grace));
    }

    [Fact]
    public void A_counter_reset_counts_as_a_restart_from_zero_and_one_scrape_alone_is_no_window()
    {
        var series = Counter((0, 50), (5, 60), (10, 3), (15, 7));
        Assert.Equal((17.0, 0L, 15_000L), HistogramDelta.Increase(Scale(series), 0, 15_000, Grace));
        Assert.Null(HistogramDelta.Increase(Scale(series), 14_000, 15_000, Grace));
        Assert.Null(HistogramDelta.Increase([], 0, 15_000, Grace));
    }

    [Fact]
    public void Two_replicas_add_up_the_mean_is_delta_sum_over_delta_count_and_quantiles_name_their_bucket()
    {
        // Replica 0: 10 requests before the window, then 30 more (20 in 0–0.3 s, 10 in 0.3–0.5 s); replica 1: 10 in 0–0.3 s.
        var series = new List<StoredSeries>();
        void Replica(string replica, double[] before, double[] after, double sumBefore, double sumAfter)
        {
            string Labels(string? le) => le is null ? $"{{replica=\"{replica}\"}}" : $"{{le=\"{le}\",replica=\"{replica}\"}}";
            string[] les = ["0.3", "0.5", "+Inf"];
            for (var i = 0; i < les.Length; i++)
            {
                series.Add(new StoredSeries("m_bucket", Labels(les[i]), [new Point(1_000, before[i]), new Point(9_000, after[i])]));
            }

            series.Add(new StoredSeries("m_sum", Labels(null), [new Point(1_000, sumBefore), new Point(9_000, sumAfter)]));
            series.Add(new StoredSeries("m_count", Labels(null), [new Point(1_000, before[^1]), new Point(9_000, after[^1])]));
        }

        Replica("0", [10, 10, 10], [30, 40, 40], 1.0, 1.0 + (20 * 0.1) + (10 * 0.4));
        Replica("1", [0, 0, 0], [10, 10, 10], 0, 10 * 0.2);

        var latency = HistogramDelta.Latency("m", series, 1_000, 9_000, Grace)!;

        Assert.Equal(40, latency.Count);
        Assert.Equal((2.0 + 4.0 + 2.0) / 40 * 1000, latency.MeanMs, 3);
        // 30 of 40 in the first bucket: rank 20 is two thirds into 0–300 ms; rank 36 is 6/10 into 300–500 ms.
        Assert.Equal(200, latency.P50!.Ms, 3);
        Assert.Equal((0.0, 300.0), (latency.P50.BucketFromMs, latency.P50.BucketToMs));
        Assert.Equal(420, latency.P90!.Ms, 3);
        Assert.Equal((300.0, 500.0), (latency.P90.BucketFromMs, latency.P90.BucketToMs));
        Assert.Equal(2, HistogramDelta.Targets(series.Where(s => s.Name == "m_count")));
        Assert.Null(HistogramDelta.Latency("other", series, 1_000, 9_000, Grace));
    }

    private static IReadOnlyList<Point> Scale(IReadOnlyList<Point> seconds)
        => [.. seconds.Select(p => p with { TimestampMs = p.TimestampMs * 1000 })];
}
