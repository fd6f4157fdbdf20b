using Aibench.Monitor.Query;

namespace Aibench.Tests.Monitor;

public sealed class PromFunctionsTests
{
    private const int Digits = 12;

    [Fact]
    public void Steps_run_from_the_start_by_the_step_up_to_the_end()
    {
        Assert.Equal([0L, 5, 10], PromFunctions.Steps(0, 10, 5));
        Assert.Equal([0L, 5], PromFunctions.Steps(0, 9, 5));
        Assert.Equal([7L], PromFunctions.Steps(7, 7, 5));
        Assert.Empty(PromFunctions.Steps(10, 0, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => PromFunctions.Steps(0, 10, 0));
    }

    [Fact]
    public void Rate_of_a_steady_counter_is_its_slope()
    {
        // 1 per second, scraped every 15 s, starting at 100.
        var series = Series(Enumerable.Range(0, 21).Select(i => (i * 15.0, 100 + i * 15.0)));
        var rate = PromFunctions.Rate(series, [120_000, 130_000, 300_000], 60_000);
        Assert.Equal([120_000L, 130_000, 300_000], rate.Select(p => p.TimestampMs));
        Assert.All(rate, p => Assert.Equal(1.0, p.Value, Digits));
    }

    [Fact]
    public void Rate_across_a_counter_reset_counts_the_restart_from_zero()
    {
        // 20, 30, then a restart: 5, 15. Increase = 10 + 5 + 10 = 25 over 30 s sampled, extrapolated 10 s to the start
        // (the first sample is one interval from it, within 1.1 intervals): 25 × 40/30 over 40 s.
        var series = Series([(0, 10), (10, 20), (20, 30), (30, 5), (40, 15)]);
        var rate = Assert.Single(PromFunctions.Rate(series, [40_000], 40_000));
        Assert.Equal(25.0 / 30, rate.Value, Digits);
    }

    [Fact]
    public void Rate_does_not_extrapolate_a_counter_below_zero()
    {
        // Window (-10 s, 30 s]: the first sample is 20 s after the start, more than 1.1 average intervals, so
        // extrapolation would go half an interval (5 s) back; but at slope 1/s the counter (1 at 10 s) was 0 only
        // 1 s earlier, so 1 s it is: 20 × (20 + 1) / 20 / 40.
        var series = Series([(10, 1), (20, 11), (30, 21)]);
        var rate = Assert.Single(PromFunctions.Rate(series, [30_000], 40_000));
        Assert.Equal(21.0 / 40, rate.Value, Digits);
    }

    [Fact]
    public void Rate_extrapolates_half_an_interval_where_the_series_stops_inside_the_window()
    {
        // Window (0, 60 s] is left-open, so the sample at 0 is out: 10 at 10 s and 20 at 20 s. The start is one
        // interval away (extrapolated fully, 10 s, which is also where the counter would be 0); the end is 40 s away,
        // beyond 1.1 intervals, so only half an interval (5 s): 10 × (10 + 10 + 5) / 10 / 60.
        var series = Series([(0, 0), (10, 10), (20, 20)]);
        var rate = Assert.Single(PromFunctions.Rate(series, [60_000], 60_000));
        Assert.Equal(25.0 / 60, rate.Value, Digits);
    }

    [Fact]
    public void Rate_gives_no_point_with_fewer_than_two_samples_in_the_window()
    {
        var series = Series([(0, 1), (100, 2), (110, 3)]);
        var rate = PromFunctions.Rate(series, [-10_000, 0, 50_000, 100_000, 110_000], 30_000);
        Assert.Equal([110_000L], rate.Select(p => p.TimestampMs));
        Assert.Empty(PromFunctions.Rate([], [0, 1000], 30_000));
    }

    [Fact]
    public void Rate_leaves_out_a_step_whose_result_is_NaN()
    {
        var series = Series([(0, 1), (10, double.NaN), (20, 3), (30, 4), (40, 5)]);
        var rate = PromFunctions.Rate(series, [20_000, 40_000], 20_000);
        Assert.Equal([40_000L], rate.Select(p => p.TimestampMs));
        Assert.Equal(1.0 / 10, rate[0].Value, Digits);
    }

    [Fact]
    public void Instant_takes_the_last_sample_within_the_lookback()
    {
        var series = Series([(0, 1), (10, 2), (20, 3)]);
        var instant = PromFunctions.Instant(series, [-1_000, 5_000, 10_000, 20_000, 319_000, 320_000]);
        // At 320 s the sample at 20 s is exactly 5 minutes old: the lookback is left-open, as in Prometheus 3.
        Assert.Equal([new Point(5_000, 1), new Point(10_000, 2), new Point(20_000, 3), new Point(319_000, 3)], instant);
        Assert.Equal([new Point(15_000, 2)], PromFunctions.Instant(series, [15_000, 40_000], 10_000));
    }

    [Fact]
    public void Sum_adds_aligned_series_and_keeps_steps_present_in_only_some()
    {
        IReadOnlyList<Point> a = [new(1, 1), new(2, 2), new(3, 3)];
        IReadOnlyList<Point> b = [new(2, 20), new(3, 30), new(4, 40)];
        Assert.Equal([new Point(1, 1), new Point(2, 22), new Point(3, 33), new Point(4, 40)], PromFunctions.Sum([b, a]));
        Assert.Empty(PromFunctions.Sum([]));
    }

    private static readonly (double, double)[] Buckets = [(0.1, 10), (0.5, 30), (1, 40), (double.PositiveInfinity, 40)];

    private static readonly (double, double)[] NoBuckets = [];

    [Fact]
    public void Histogram_quantile_interpolates_linearly_within_the_bucket()
    {
        // rank 20 falls in (0.1, 0.5] holding 10..30: 0.1 + 0.4 × (20 - 10) / (30 - 10).
        Assert.Equal(0.3, PromFunctions.HistogramQuantile(0.5, Buckets), Digits);
        Assert.Equal(0.75, PromFunctions.HistogramQuantile(0.875, Buckets), Digits);
        Assert.Equal(1, PromFunctions.HistogramQuantile(1, Buckets), Digits);
    }

    [Fact]
    public void Histogram_quantile_interpolates_the_lowest_bucket_from_zero_unless_its_bound_is_not_positive()
    {
        Assert.Equal(0.04, PromFunctions.HistogramQuantile(0.1, Buckets), Digits);
        Assert.Equal(0, PromFunctions.HistogramQuantile(0, Buckets));
        Assert.Equal(-1, PromFunctions.HistogramQuantile(0.25, [(-1, 10), (0, 20), (double.PositiveInfinity, 20)]));
    }

    [Fact]
    public void Histogram_quantile_in_the_inf_bucket_is_the_second_highest_bound()
    {
        (double, double)[] buckets = [(0.1, 10), (0.5, 30), (1, 40), (double.PositiveInfinity, 50)];
        Assert.Equal(1, PromFunctions.HistogramQuantile(0.99, buckets));
    }

    [Fact]
    public void Histogram_quantile_sorts_buckets_and_adds_up_equal_bounds()
    {
        (double, double)[] shuffled = [(double.PositiveInfinity, 40), (0.5, 30), (1, 40), (0.1, 10)];
        Assert.Equal(0.3, PromFunctions.HistogramQuantile(0.5, shuffled), Digits);
        // Two replicas' buckets with the "instance" label dropped.
        (double, double)[] twice = [(0.1, 5), (0.5, 15), (1, 20), (double.PositiveInfinity, 20), (0.1, 5), (0.5, 15), (1, 20),
            (double.PositiveInfinity, 20)];
        Assert.Equal(0.3, PromFunctions.HistogramQuantile(0.5, twice), Digits);
    }

    [Fact]
    public void Histogram_quantile_flattens_non_monotonic_buckets()
    {
        // The dip to 25 at le=1 is taken as 30, so rank 32 falls in (1, 2] holding 30..40: 1 + 1 × 2/10.
        (double, double)[] buckets = [(0.1, 10), (0.5, 30), (1, 25), (2, 40), (double.PositiveInfinity, 40)];
        Assert.Equal(1.2, PromFunctions.HistogramQuantile(0.8, buckets), Digits);
        // Float noise below the tolerance is ignored in either direction.
        (double, double)[] noisy = [(0.1, 10), (0.5, 10.000000000000002), (1, 20), (double.PositiveInfinity, 20)];
        Assert.Equal(0.55, PromFunctions.HistogramQuantile(0.55, noisy), Digits);
    }

    [Fact]
    public void Histogram_quantile_without_observations_or_an_inf_bucket_is_NaN()
    {
        Assert.True(double.IsNaN(PromFunctions.HistogramQuantile(0.5, NoBuckets)));
        Assert.True(double.IsNaN(PromFunctions.HistogramQuantile(0.5, [(0.1, 0), (1, 0), (double.PositiveInfinity, 0)])));
        Assert.True(double.IsNaN(PromFunctions.HistogramQuantile(0.5, [(0.1, 10), (1, 40)])));
        Assert.True(double.IsNaN(PromFunctions.HistogramQuantile(0.5, [(double.PositiveInfinity, 3)])));
    }

    [Fact]
    public void Histogram_quantile_outside_zero_to_one_is_infinite_and_NaN_stays_NaN()
    {
        Assert.Equal(double.NegativeInfinity, PromFunctions.HistogramQuantile(-0.1, Buckets));
        Assert.Equal(double.PositiveInfinity, PromFunctions.HistogramQuantile(1.1, Buckets));
        Assert.True(double.IsNaN(PromFunctions.HistogramQuantile(double.NaN, Buckets)));
        Assert.Equal(double.NegativeInfinity, PromFunctions.HistogramQuantile(-1, NoBuckets));
    }

    [Fact]
    public void Histogram_quantile_per_step_uses_the_buckets_present_at_each_step()
    {
        (double, IReadOnlyList<Point>)[] buckets =
        [
            (0.1, [new(1000, 10), new(2000, 0), new(3000, 5)]),
            (0.5, [new(1000, 30), new(2000, 0)]),
            (1, [new(1000, 40), new(2000, 0), new(4000, 1)]),
            (double.PositiveInfinity, [new(1000, 40), new(2000, 0), new(4000, 2)]),
        ];
        // 2000: no observations; 3000: no +Inf bucket; 4000: rank 1.8 of 2 is in the +Inf bucket.
        var quantiles = PromFunctions.HistogramQuantile(0.9, buckets);
        Assert.Equal([1000L, 4000], quantiles.Select(p => p.TimestampMs));
        Assert.Equal(0.5 + 0.5 * (6.0 / 10), quantiles[0].Value, Digits);
        Assert.Equal(1, quantiles[1].Value);
    }

    [Fact]
    public void Histogram_quantile_over_rates_of_simulated_buckets_matches_the_hand_computed_value()
    {
        // Buckets growing at 1, 3 and 4 per second (cumulative) for le 0.1, 0.5, +Inf: the rates are those slopes.
        var steps = PromFunctions.Steps(60_000, 120_000, 30_000);
        (double, IReadOnlyList<Point>)[] buckets =
        [
            (0.1, PromFunctions.Rate(Series(Enumerable.Range(0, 9).Select(i => (i * 15.0, i * 15.0))), steps, 60_000)),
            (0.5, PromFunctions.Rate(Series(Enumerable.Range(0, 9).Select(i => (i * 15.0, i * 45.0))), steps, 60_000)),
            (double.PositiveInfinity, PromFunctions.Rate(Series(Enumerable.Range(0, 9).Select(i => (i * 15.0, i * 60.0))), steps, 60_000)),
        ];
        var quantiles = PromFunctions.HistogramQuantile(0.5, buckets);
        Assert.Equal(3, quantiles.Count);
        // rank 2 of 4 per second falls in (0.1, 0.5] holding 1..3: 0.1 + 0.4 × 1/2.
        Assert.All(quantiles, q => Assert.Equal(0.3, q.Value, Digits));
    }

    private static IReadOnlyList<Point> Series(IEnumerable<(double Seconds, double Value)> points) =>
        [.. points.Select(p => new Point((long)(p.Seconds * 1000), p.Value))];
}
