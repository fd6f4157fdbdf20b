using Aibench.Contracts;
using Aibench.Contracts.Monitor;
using Aibench.Monitor.Pages;
using Aibench.Shared.Components;
using Aibench.Shared.Components.Charts;
using Aibench.Shared.Reports;
using Mediator;
using static Aibench.Monitor.Pages.ServiceChartSeries;

namespace Aibench.Monitor.Features;

/// <summary>
/// Answers the Contracts query for an experiment report's service section: the same series as the experiment page's
/// service charts (<see cref="ServiceChartSeries"/>), plus preemptions and the TTFT parts (queue wait and prefill) from
/// vLLM's histograms, over the load's window. A metric the service does not export is left out.
/// </summary>
internal sealed class AnswerServiceMetricsReport(ISender sender) : IQueryHandler<GetServiceMetricsReport, IReadOnlyList<ReportPart>>
{
    private const string Preemptions = "vllm:num_preemptions_total";

    private static readonly (string Name, string Metric)[] TtftParts =
    [
        ("TTFT p50 (server histogram)", "vllm:time_to_first_token_seconds"),
        ("queue wait p50 (server histogram)", "vllm:request_queue_time_seconds"),
        ("prefill p50 (server histogram)", "vllm:request_prefill_time_seconds"),
    ];

    public async ValueTask<IReadOnlyList<ReportPart>> Handle(GetServiceMetricsReport query, CancellationToken cancellationToken)
    {
        Task<IReadOnlyList<MetricSeries>> Ask(string name, string fn, double? q = null, bool sum = false) =>
            sender.Send(new GetMetricSeries(null, query.Experiment, name, query.From, query.To, fn, q, Sum: sum), cancellationToken).AsTask();
        var running = Ask(Running, "instant", sum: true);
        var waiting = Ask(Waiting, "instant", sum: true);
        var kv = Ask(KvCache, "instant");
        var gpu = Ask(GpuUtil, "instant");
        var preempted = Ask(Preemptions, "rate", sum: true);
        var latency = LatencyQuantiles.Select(l => (l.Name, Task: Ask(l.Metric, "quantile", l.Q))).ToList();
        var parts = TtftParts.Select(p => (p.Name, Task: Ask(p.Metric, "quantile", 0.5))).ToList();
        await Task.WhenAll([running, waiting, kv, gpu, preempted, .. latency.Select(x => x.Task), .. parts.Select(x => x.Task)]);

        var figures = new List<ReportFigure>
        {
            new("server-requests", "Requests running and waiting (server)",
                TimeChart.Build([.. Lines("running", running.Result), .. Lines("waiting", waiting.Result)], new ChartAxis("requests"))),
            new("server-usage", "KV cache and GPU use (server)",
                TimeChart.Build([.. Lines("KV cache", kv.Result, 100), .. Lines("GPU util", gpu.Result)], new ChartAxis("use", "%"))),
            new("server-preemptions", "Preemptions (server)", TimeChart.Build(Lines("preemptions/s", preempted.Result), new ChartAxis("per s"))),
            new("server-latency", "Latency percentiles (server histogram)",
                TimeChart.Build([.. latency.SelectMany(x => Lines(x.Name, x.Task.Result, 1000))], new ChartAxis("latency", "ms"))),
            new("ttft-parts", "TTFT and its parts: queue wait and prefill (server histogram)",
                TimeChart.Build([.. parts.SelectMany(x => Lines(x.Name, x.Task.Result, 1000))], new ChartAxis("latency", "ms")),
                "Medians over each step: the time a request waited in the queue and its prefill, beside the server's TTFT."),
        };
        var shown = figures.Where(f => !f.Chart.IsEmpty).Cast<ReportBlock>().ToList();
        if (shown.Count == 0) return [];
        shown.Add(new ReportNote("From the service's own /metrics, scraped by aibench every few seconds; quantiles are histogram_quantile "
            + "over each step, as Prometheus computes them (docs/monitoring.md)."));
        var section = new ReportSection("service-metrics", "The service's own metrics", shown);
        return [new ReportPart(section.Id, section.Title, ReportHtml.Section(section), ReportMarkdown.Section(section), false)];
    }
}
