using Aibench.Contracts.Client;
using Aibench.Contracts.Experiments;
using Aibench.Experiments.Features;
using Aibench.Experiments.Pages;
using Aibench.Experiments.Planning;
using Aibench.Shared.Components;

namespace Aibench.Tests.Experiments;

/// <summary>The experiment page's rules without a page: what reads, events and progress change, and when metrics are due.</summary>
public sealed class ExperimentPresenterTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
    private static readonly Guid Warmup = Guid.NewGuid();
    private static readonly Guid Measured = Guid.NewGuid();

    private static ExperimentDetail Detail(string status = "running", string stage = "loading", PlacementSpec? placement = null,
        BenchmarkProgressed? progress = null) =>
        new(
            new ExperimentSummary(Guid.NewGuid(), "e", "vllm-sim", 1, "throughput", 60, stage, status, null, null, Measured, T0, T0, status
                == "running" ? null : T0.AddMinutes(2)),
            [],
            new ExperimentDefinition(new Dictionary<string, string>(), new BenchmarkSpec(Placement: placement), new ExperimentSlo(), 0, 60, null,
                false, Warmup, 1),
            null,
            progress,
            null,
            new ExperimentLinks("", null, null, null, "", null));

    private static BenchmarkProgressed Progress(Guid benchmark, double ttft = 40) =>
        new(benchmark, null, 1, 1, 1, "all", 10, 9, 0, 1, 9, 900, ttft);

    [Fact]
    public void Metrics_are_due_every_five_seconds_while_running_and_at_every_read_once_ended()
    {
        Assert.True(ExperimentPresenter.MetricsDue(true, T0, DateTimeOffset.MinValue));
        Assert.False(ExperimentPresenter.MetricsDue(true, T0.AddSeconds(4.9), T0));
        Assert.True(ExperimentPresenter.MetricsDue(true, T0.AddSeconds(5), T0));
        Assert.True(ExperimentPresenter.MetricsDue(false, T0.AddSeconds(1), T0));
    }

    [Fact]
    public void Each_due_read_bumps_the_refresh_the_service_charts_slot_follows()
    {
        var view = new ExperimentPresenter();

        view.Loaded(Detail(), [], T0);
        view.Loaded(Detail(), [], T0.AddSeconds(2));
        Assert.Equal(1, view.MetricsRefresh);
        view.Loaded(Detail(), [], T0.AddSeconds(5));
        Assert.Equal(2, view.MetricsRefresh);
        view.Loaded(Detail("completed", "completed"), [], T0.AddSeconds(6));
        Assert.Equal(3, view.MetricsRefresh);
    }

    [Fact]
    public void The_warmups_last_numbers_do_not_pass_for_the_measured_load()
    {
        var warmup = Progress(Warmup);
        var measured = Progress(Measured);

        Assert.Same(warmup, ExperimentPresenter.OfCurrentRun(warmup, Detail(stage: "warmup")));
        Assert.Null(ExperimentPresenter.OfCurrentRun(warmup, Detail(stage: "loading")));
        Assert.Same(measured, ExperimentPresenter.OfCurrentRun(measured, Detail(stage: "loading")));
        Assert.Null(ExperimentPresenter.OfCurrentRun(measured, null));
    }

    [Fact]
    public void While_slurm_workers_start_the_load_panel_says_how_many_it_waits_for()
    {
        Assert.StartsWith("Waiting for the 4 load-generator workers (a SLURM job)",
            ExperimentPresenter.WaitingText(Detail(placement: new PlacementSpec("slurm", 2, 2))));
        Assert.Equal("The numbers appear once the load starts.",
            ExperimentPresenter.WaitingText(Detail(stage: "warmup", placement: new PlacementSpec("slurm", 2, 2))));
        Assert.Equal("The numbers appear once the load starts.", ExperimentPresenter.WaitingText(Detail()));
    }

    [Fact]
    public void Progress_is_taken_while_running_and_ignored_once_ended()
    {
        var view = new ExperimentPresenter();
        view.Loaded(Detail(), [], T0);
        var report = Progress(Measured);

        Assert.True(view.Progressed(report, [new ProgressPoint(T0, report), new ProgressPoint(T0.AddSeconds(1), report)]));
        Assert.Same(report, view.ShownProgress);
        Assert.False(view.Requests.IsEmpty);
        Assert.False(view.Latency[0].IsEmpty);

        view.Changed(new ExperimentChanged(view.Detail!.Experiment.Id, ExperimentStage.Completed, ExperimentStatus.Completed, "done", null, Measured,
            T0));
        Assert.Equal(("completed", "done"), (view.Detail.Experiment.Status, view.Detail.Experiment.Reason));
        Assert.False(view.Progressed(Progress(Measured, 99), []));
        Assert.Same(report, view.Progress);
    }

    [Fact]
    public void An_event_before_the_first_read_changes_nothing()
    {
        var view = new ExperimentPresenter();

        Assert.False(view.Changed(new ExperimentChanged(Guid.NewGuid(), ExperimentStage.Deploying, ExperimentStatus.Running, null, null, null, T0)));
        Assert.Null(view.Detail);
    }

    [Fact]
    public void The_services_latency_lines_join_the_clients_in_one_panel_per_metric()
    {
        var view = new ExperimentPresenter();
        view.FinalCharts(null);
        Assert.All(view.Latency, c => Assert.True(c.IsEmpty));

        view.ServerLatency([
            new TimeLine("TTFT p50 (server histogram)", [new TimePoint(T0, 42), new TimePoint(T0.AddSeconds(3), 44)]),
            new TimeLine("E2E p99 (server histogram)", [new TimePoint(T0, 900)]),
        ]);

        Assert.Equal(["TTFT", "TPOT", "E2E"], view.Latency.Select(c => c.Y.Title));
        Assert.Equal(["TTFT p50 (server histogram)"], view.Latency[0].Lines.Select(s => s.Name));
        Assert.Empty(view.Latency[1].Lines);
        Assert.Equal(["E2E p99 (server histogram)"], view.Latency[2].Lines.Select(s => s.Name));
        Assert.All(view.Latency, c => Assert.Equal("ms", c.Y.Unit));
        Assert.True(view.Requests.IsEmpty);
    }

    [Fact]
    public void Following_stops_once_the_final_charts_are_read_or_the_experiment_does_not_exist()
    {
        Assert.True(new ExperimentPresenter().Following);
        Assert.False(new ExperimentPresenter { FinalLoaded = true }.Following);
        Assert.False(new ExperimentPresenter { NotFound = true }.Following);
    }
}
