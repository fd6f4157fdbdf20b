using Aibench.Contracts;
using Aibench.Contracts.Client;
using Aibench.Contracts.Experiments;
using Aibench.Experiments.Features;
using Aibench.Shared.Components;
using Aibench.Shared.Components.Charts;

namespace Aibench.Experiments.Pages;

/// <summary>
/// The experiment page's state and rules: what a read, an event or a progress report changes, when the service's
/// charts are due again, and the charts and texts derived from it. The page does the reading and rendering.
/// </summary>
internal sealed class ExperimentPresenter
{
    /// <summary>Monitor scrapes every few seconds; asking it more often than this only repeats the same points.</summary>
    public static readonly TimeSpan MetricsEvery = TimeSpan.FromSeconds(5);

    private IReadOnlyList<TimeLine> _clientLatency = [];
    private IReadOnlyList<TimeLine> _serverLatency = [];
    private DateTimeOffset _metricsAt = DateTimeOffset.MinValue;

    public ExperimentDetail? Detail { get; private set; }

    public BenchmarkProgressed? Progress { get; private set; }

    public bool NotFound { get; set; }

    public string? Error { get; set; }

    /// <summary>The finished experiment's charts are read; nothing changes any more, so the page stops asking.</summary>
    public bool FinalLoaded { get; set; }

    /// <summary>Bumped each time the service's charts are due, which makes the slot read them again.</summary>
    public int MetricsRefresh { get; private set; }

    /// <summary>The latency panels, one per metric (a TPOT of tens of ms beside an E2E of seconds would lie flat at zero).</summary>
    public static readonly string[] LatencyMetrics = ["TTFT", "TPOT", "E2E"];

    public static readonly ChartAxis RequestsAxis = new("requests", "per s");

    public static readonly ChartAxis TokensAxis = new("output tokens", "per s");

    public Chart Requests { get; private set; } = TimeChart.Empty(RequestsAxis);

    public Chart Tokens { get; private set; } = TimeChart.Empty(TokensAxis);

    public IReadOnlyList<Chart> Latency { get; private set; } = [];

    /// <summary>
    /// The time axis every chart of the page shares (Unix seconds): the load's own span, so that the panels line up
    /// as a Grafana dashboard's do; null before the load has a point.
    /// </summary>
    public (double From, double To)? Window { get; private set; }

    public bool Running => Detail?.Experiment.Status == "running";

    /// <summary>Whether the page's timer should read again.</summary>
    public bool Following => !NotFound && !FinalLoaded;

    /// <summary>The progress the load panel shows: while it runs, only the current stage's (see <see cref="OfCurrentRun"/>).</summary>
    public BenchmarkProgressed? ShownProgress => Running ? OfCurrentRun(Progress, Detail) : Progress;

    public string Waiting => WaitingText(Detail);

    /// <summary>A fresh read of the experiment; <paramref name="history"/> is the feed's progress so far.</summary>
    public void Loaded(ExperimentDetail detail, IReadOnlyList<ProgressPoint> history, DateTimeOffset now)
    {
        Detail = detail;
        Error = null;
        if (Running)
        {
            Progress = detail.Progress ?? Progress;
            LiveCharts(history);
        }

        if (MetricsDue(Running, now, _metricsAt))
        {
            _metricsAt = now;
            MetricsRefresh++;
        }
    }

    /// <summary>The event says where it is now; the stored detail (stage timings, result) follows with the next read.</summary>
    public bool Changed(ExperimentChanged change)
    {
        if (Detail is null)
        {
            return false;
        }

        Detail = Detail with { Experiment = Detail.Experiment with { Stage = change.Stage.WireName(), Status = change.Status.WireName(),
            Reason = change.Reason } };
        return true;
    }

    /// <summary>A progress report of the load; ignored once the experiment no longer runs.</summary>
    public bool Progressed(BenchmarkProgressed progress, IReadOnlyList<ProgressPoint> history)
    {
        if (!Running)
        {
            return false;
        }

        Progress = progress;
        LiveCharts(history);
        return true;
    }

    public void LiveCharts(IReadOnlyList<ProgressPoint> history)
    {
        Requests = TimeChart.Build(TimeCharts.LiveRequests(history), RequestsAxis);
        Tokens = TimeChart.Build(TimeCharts.LiveTokens(history), TokensAxis);
        _clientLatency = [.. TimeCharts.LiveLatency(history)];
        Align();
    }

    /// <summary>The finished run's stored per-second series; null or empty when its load measured nothing.</summary>
    public void FinalCharts(BenchmarkResult? run)
    {
        var measured = run is not null && run.Series.Count > 0;
        Requests = measured ? TimeChart.Build(TimeCharts.Requests(run!), RequestsAxis) : TimeChart.Empty(RequestsAxis);
        Tokens = measured ? TimeChart.Build(TimeCharts.Tokens(run!), TokensAxis) : TimeChart.Empty(TokensAxis);
        _clientLatency = measured ? [.. TimeCharts.Latency(run!)] : [];
        Align();
    }

    /// <summary>The service's own latency percentiles, from the service-charts slot, on the same chart as the client's.</summary>
    public void ServerLatency(IReadOnlyList<TimeLine> lines)
    {
        _serverLatency = lines;
        Align();
    }

    /// <summary>Every chart of the page on the load's span; the latency lines split into one panel per metric.</summary>
    private void Align()
    {
        var xs = Requests.Lines.Concat(Tokens.Lines).SelectMany(l => l.Points).Where(p => p.Y is not null).Select(p => p.X).ToList();
        Window = xs.Count == 0 ? null : (xs.Min(), Math.Max(xs.Max(), xs.Min() + 1));
        Requests = Requests.Over(Window?.From, Window?.To);
        Tokens = Tokens.Over(Window?.From, Window?.To);
        var all = _clientLatency.Concat(_serverLatency).ToList();
        Latency = [.. LatencyMetrics.Select(m => TimeChart.Build(all.Where(l => l.Name.StartsWith(m + " ", StringComparison.Ordinal)),
            new ChartAxis(m, "ms")).Over(Window?.From, Window?.To))];
    }

    /// <summary>While it runs, every <see cref="MetricsEvery"/>; once it ended, at each read (there is only one more).</summary>
    public static bool MetricsDue(bool running, DateTimeOffset now, DateTimeOffset last) => !running || now - last >= MetricsEvery;

    /// <summary>
    /// The progress only when it is the current stage's run: once the measured load starts, the warm-up's last numbers
    /// must not pass for its own (load-generator workers in a SLURM job take a while to start).
    /// </summary>
    public static BenchmarkProgressed? OfCurrentRun(BenchmarkProgressed? progress, ExperimentDetail? detail) =>
        progress is not null && detail is { } d
        && progress.BenchmarkId == (d.Experiment.Stage == "warmup" ? d.Definition.WarmupBenchmarkId : d.Experiment.BenchmarkId)
            ? progress
            : null;

    public static string WaitingText(ExperimentDetail? detail) =>
        detail?.Definition.Load.Placement is { Kind: "slurm" } placement && detail.Experiment.Stage == "loading"
            ? $"Waiting for the {placement.Workers} load-generator worker{(placement.Workers == 1 ? "" : "s")} (a SLURM job) to start; the numbers "
                + $"appear once they do."
            : "The numbers appear once the load starts.";
}
