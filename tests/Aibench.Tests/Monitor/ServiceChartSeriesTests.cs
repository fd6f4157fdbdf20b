using Aibench.Contracts.Monitor;
using Aibench.Monitor.Pages;

namespace Aibench.Tests.Monitor;

/// <summary>The service-charts slot's window and line naming.</summary>
public sealed class ServiceChartSeriesTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_finished_experiment_is_shown_whole_and_a_long_running_one_its_last_half_hour()
    {
        Assert.Equal((Start, Start.AddHours(2)), ServiceChartSeries.Window(Start, Start.AddHours(2), Start.AddHours(5)));
        Assert.Equal((Start, Start.AddMinutes(10)), ServiceChartSeries.Window(Start, null, Start.AddMinutes(10)));
        Assert.Equal((Start.AddMinutes(30), Start.AddHours(1)), ServiceChartSeries.Window(Start, null, Start.AddHours(1)));
    }

    [Fact]
    public void Lines_are_named_by_replica_only_when_there_are_several_and_scaled()
    {
        MetricSeries Of(string labels, double v) => new("m", labels, [new MetricPoint(Start, v)]);

        var one = ServiceChartSeries.Lines("KV cache", [Of("replica=\"0\"", 0.25)], 100).Single();
        var two = ServiceChartSeries.Lines("running", [Of("replica=\"0\"", 1), Of("replica=\"1\"", 2)]).ToList();

        Assert.Equal(("KV cache", 25.0), (one.Name, one.Points.Single().V));
        Assert.Equal(["running r0", "running r1"], two.Select(l => l.Name));
    }
}
