using Prometheus;

namespace Aibench.Client.LoadGen;

/// <summary>
/// Live numbers of the runs going on in the host, on its /metrics, so a site Prometheus sees requests, tokens and TTFT
/// per benchmark and experiment while they happen. prometheus-net's own types, not .NET meters: those are exported as
/// gauges with the meter's name prefixed, which breaks rate() and the names people query.
/// </summary>
internal sealed class BenchmarkMeter
{
    private static readonly string[] Labels = ["benchmark", "experiment"];

    private readonly Counter _requests = Metrics.CreateCounter("aibench_benchmark_requests_total",
        "Requests a run finished, by outcome (ok or the error kind).", [.. Labels, "outcome"]);

    private readonly Counter _tokens = Metrics.CreateCounter("aibench_benchmark_tokens_total",
        "Tokens of a run's completed requests, by direction (input, output).", [.. Labels, "direction"]);

    private readonly Histogram _ttft = Metrics.CreateHistogram("aibench_benchmark_ttft_seconds",
        "Time to first token of a run's requests, from the scheduled send.",
        new HistogramConfiguration
        {
            LabelNames = Labels,
            // vLLM's TTFT buckets, so the two can be compared panel by panel.
            Buckets = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0,
                2560.0],
        });

    /// <summary>The observer a run reports each finished request to.</summary>
    public Action<RequestRecord> For(Guid benchmark, Guid? experiment)
    {
        var b = benchmark.ToString();
        var e = experiment?.ToString() ?? "";
        var ttft = _ttft.WithLabels(b, e);
        var input = _tokens.WithLabels(b, e, "input");
        var output = _tokens.WithLabels(b, e, "output");
        var ok = _requests.WithLabels(b, e, "ok");
        return record =>
        {
            if (record.Error == RequestError.Cancelled)
            {
                return;
            }

            if (!record.Ok)
            {
                _requests.WithLabels(b, e, record.ErrorLabel).Inc();
                return;
            }

            ok.Inc();
            input.Inc(record.EffectiveInputTokens);
            output.Inc(record.EffectiveOutputTokens);
            if (record.TtftUs is { } us)
            {
                ttft.Observe(us / 1e6);
            }
        };
    }
}
