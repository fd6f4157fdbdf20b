using Aibench.Client.LoadGen;

namespace Aibench.Tests.Client;

/// <summary>The per-second counters own every per-second figure: the live view, the stored series and the peaks read them.</summary>
public sealed class PerSecondTests
{
    [Fact]
    public void A_seconds_mean_is_its_sum_over_its_count_in_milliseconds_and_none_without_values()
    {
        var series = new PerSecond();
        series.Add(1_200_000, SecondColumn.TtftSumUs, 50_123);
        series.Add(1_300_000, SecondColumn.TtftSumUs, 60_000);
        series.Add(1_200_000, SecondColumn.TtftCount, 1);
        series.Add(1_300_000, SecondColumn.TtftCount, 1);

        Assert.Equal(55.0615, series.MeanMs(1, SecondColumn.TtftSumUs, SecondColumn.TtftCount)!.Value, 9);
        Assert.Null(series.MeanMs(0, SecondColumn.TtftSumUs, SecondColumn.TtftCount));
        Assert.Null(series.MeanMs(1, SecondColumn.E2eSumUs, SecondColumn.E2eCount));
    }

    [Fact]
    public void A_stored_point_carries_every_column_and_rounds_the_means_to_the_microsecond()
    {
        var series = new PerSecond();
        var us = 2_500_000L;
        series.Add(us, SecondColumn.Sent, 3);
        series.Add(us, SecondColumn.Completed, 2);
        series.Add(us, SecondColumn.Errors, 1);
        series.Add(us, SecondColumn.InputTokens, 40);
        series.Add(us, SecondColumn.OutputTokens, 70);
        series.Max(us, SecondColumn.InFlightMax, 5);
        series.Max(us, SecondColumn.InFlightMax, 4);
        series.Add(us, SecondColumn.E2eSumUs, 100_001 + 100_000 + 100_000);
        series.Add(us, SecondColumn.E2eCount, 3);

        Assert.Equal(new SecondPoint(2, 3, 2, 1, 40, 70, 5, null, 100.0), series.Point(2));
        Assert.Equal(3, series.Seconds);
    }

    [Fact]
    public void The_peak_spans_the_seconds_of_both_ends()
    {
        var series = new PerSecond();
        series.Add(500_000, SecondColumn.OutputTokens, 90);
        series.Add(1_000_000, SecondColumn.OutputTokens, 10);
        series.Add(3_999_999, SecondColumn.OutputTokens, 30);
        series.Add(4_000_000, SecondColumn.OutputTokens, 80);

        Assert.Equal(30, series.Peak(1_500_000, 3_000_001, SecondColumn.OutputTokens));
        Assert.Equal(80, series.Peak(1_500_000, 4_000_000, SecondColumn.OutputTokens));
        Assert.Equal(90, series.Peak(0, 0, SecondColumn.OutputTokens));
    }

    [Fact]
    public void A_workers_rows_add_back_shifted_by_whole_seconds()
    {
        var worker = new PerSecond();
        worker.Add(0, SecondColumn.Sent, 2);
        worker.Add(1_700_000, SecondColumn.Completed, 4);
        var merged = new PerSecond();
        merged.Add(2_000_000, SecondColumn.Sent, 1);

        merged.AddRows(worker.Rows(), 2_000_000);

        Assert.Equal(2, worker.Rows().Count);
        Assert.Equal(3, merged.Get(2, SecondColumn.Sent));
        Assert.Equal(4, merged.Get(3, SecondColumn.Completed));
        Assert.Equal(worker.Rows()[1], merged.Rows()[3]);
    }
}
