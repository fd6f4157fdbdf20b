using Aibench.Experiments.Pages;
using Aibench.Experiments.Pages.Panels;
using Aibench.Experiments.Planning;
using Aibench.Tests.Infrastructure;
using Bunit;

namespace Aibench.Tests.Experiments;

/// <summary>The experiment page's capacity panel: the capacity with its interval, every probe, and the goodput curve in rate order.</summary>
public sealed class CapacityPanelTests : PageTest
{
    private static readonly DateTimeOffset At = DateTimeOffset.Parse("2026-12-07T08:00:00Z");

    private static CapacityProbe Probe(int index, double rate, long measured, long met, bool early = false, bool finished = true) =>
        new(index, rate, Guid.NewGuid(), At, finished, measured, met, 0, measured / rate, rate * 0.99, met / (measured / rate),
            met / (measured / rate) * 20,
            TtftP90Ms: 22.4, StoppedEarly: early);

    private static CapacityOutcome Found(params CapacityProbe[] probes) =>
        new CapacitySearch(new ExperimentCapacity(16, 0.05, 150, "2s", 10_000, 3), 0.9, 0.05, probes).Outcome("converged");

    [Fact]
    public void A_converged_search_shows_its_capacity_interval_what_broke_and_each_probe()
    {
        var outcome = Found(Probe(1, 16, 150, 150), Probe(2, 32, 150, 150), Probe(3, 64, 28, 0, early: true), Probe(4, 48, 25, 0, early: true),
            Probe(5, 40, 23, 0, early: true), Probe(6, 36, 150, 150), Probe(7, 38, 70, 47, early: true)) with { BrokeFirst = "ttft" };

        var panel = Render<CapacityPanel>(p => p.Add(x => x.Outcome, outcome));

        Assert.Equal("false", panel.Find("[data-testid=capacity]").GetAttribute("data-running"));
        Assert.Equal("37 req/s · 740 output tokens/s", panel.Find("[data-testid=capacity-headline]").TextContent.Trim());
        Assert.Equal("passed at 36, failed at 38 req/s: ± 2.7 %", panel.Find("[data-testid=capacity-interval]").TextContent.Trim());
        Assert.Contains("ttft", panel.Find("[data-testid=capacity-broke]").TextContent);
        Assert.Empty(panel.FindAll("[data-testid=capacity-at-least]"));
        Assert.Equal(["passed", "passed", "stopped early", "stopped early", "stopped early", "passed", "stopped early"],
            panel.FindAll("[data-testid=capacity-probe]").Select(r => r.GetAttribute("data-verdict")));

        var model = CapacityPanelModel.Of(outcome, 0.9);
        Assert.Equal([16, 32, 36, 38, 40, 48, 64], model.Curve.Lines[0].Points.Select(p => p.X));
        Assert.Equal([16, 32, 36, 38, 40, 48, 64], model.Curve.Lines[0].Points.Select(p => p.Y));
        Assert.Equal(0, model.Curve.Lines[2].Points[^1].Y);
    }

    [Fact]
    public void A_running_search_shows_its_probe_in_flight_and_a_service_never_broken_is_at_least()
    {
        var running = new CapacitySearch(new ExperimentCapacity(16, 0.05, 150, "2s", 10_000, 3), 0.9, 0.05,
            [Probe(1, 16, 150, 150), Probe(2, 32, 0, 0, finished: false)]).Outcome("running");

        var panel = Render<CapacityPanel>(p => p.Add(x => x.Outcome, running));

        Assert.Equal("true", panel.Find("[data-testid=capacity]").GetAttribute("data-running"));
        Assert.Equal("at least", panel.Find("[data-testid=capacity-at-least]").TextContent.Trim());
        Assert.StartsWith("at least 16 req/s", panel.Find("[data-testid=capacity-headline]").TextContent.Trim());
        Assert.Equal("running", panel.FindAll("[data-testid=capacity-probe]")[^1].GetAttribute("data-verdict"));
        Assert.Empty(panel.FindAll("[data-testid=capacity-interval]"));
    }
}
