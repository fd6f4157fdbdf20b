using Aibench.Contracts.Client;
using Aibench.Contracts.Monitor;
using Aibench.Shared.Text;

namespace Aibench.Experiments.Planning;

/// <summary>Turns a finished run into an <see cref="ExperimentResult"/>.</summary>
internal static class Judge
{
    /// <summary>Seconds looked at together when deciding that a ramp broke: one bad second is noise.</summary>
    private const int Window = 3;

    /// <param name="server">The service's latency histograms over the run, once asked for; the TTFT breakdown needs them.</param>
    public static ExperimentResult Result(string testType, BenchmarkSpec spec, ExperimentSlo slo, BenchmarkResult run, ServerLatencies? server = null)
    {
        var stress = testType == TestTypes.Stress && spec.Load is { Kind: "ramp" } ramp ? Ramp(ramp, spec, slo, run.Series) : null;
        var drift = testType == TestTypes.Soak ? Drift(run.Series) : null;
        return new ExperimentResult(run.Id, run.Status, run.Status != BenchmarkStatus.Completed, run.Error, run.Overall, run.Steps,
            Verdict(slo, run.Overall), stress, drift,
            server is null ? null : TtftBreakdown.Of(run.Overall, server));
    }

    public static SloVerdict? Verdict(ExperimentSlo slo, BenchmarkStepResult? overall)
    {
        if (overall is null || (!slo.HasLatency && slo.MaxErrorRate is null))
        {
            return null;
        }

        var target = slo.Target ?? ExperimentSlo.DefaultTarget;
        var maxErrors = slo.MaxErrorRate ?? ExperimentSlo.DefaultMaxErrorRate;
        var measured = overall.Completed + overall.Failed;
        var errorRate = measured == 0 ? 0 : Math.Round((double)overall.Failed / measured, 6);
        var attainment = slo.HasLatency ? overall.GoodputFraction : null;
        var passed = measured > 0 && errorRate <= maxErrors && (attainment is null || attainment >= target);
        var parts = new List<string>();
        if (attainment is { } a) parts.Add($"{a:P1} of requests met the objectives (needed {target:P0})");
        parts.Add($"{errorRate:P1} failed (at most {maxErrors:P0})");
        return new SloVerdict(passed, attainment, target, errorRate, maxErrors, $"{(passed ? "passed" : "failed")}: {string.Join("; ", parts)}");
    }

    /// <summary>
    /// The first window of seconds in which errors passed the limit or the mean TTFT or E2E latency passed its
    /// objective, and the ramp's rate at its start. Means per second are what the run records; a percentile objective
    /// breaks a little earlier than this finds.
    /// </summary>
    public static StressOutcome Ramp(LoadShape ramp, BenchmarkSpec spec, ExperimentSlo slo, IReadOnlyList<BenchmarkSecond> series)
    {
        var (from, to) = (ramp.From ?? 0, ramp.To ?? 0);
        var seconds = Duration.TryParse(spec.Duration, out var d) ? d.TotalSeconds : Math.Max(1, series.Count);
        double RateAt(double t) => Math.Round(from + ((to - from) * Math.Clamp(t / seconds, 0, 1)), 3);
        var maxErrors = slo.MaxErrorRate ?? ExperimentSlo.DefaultMaxErrorRate;
        TimeSpan? ttft = Duration.TryParse(slo.Ttft, out var t1) ? t1 : null;
        TimeSpan? e2e = Duration.TryParse(slo.E2e, out var t2) ? t2 : null;
        for (var end = Window - 1; end < series.Count; end++)
        {
            var window = series.Skip(end - Window + 1).Take(Window).ToList();
            var completed = window.Sum(p => p.Completed);
            var errors = window.Sum(p => p.Errors);
            string? cause = null;
            if (completed + errors >= Window && (double)errors / (completed + errors) > maxErrors)
            {
                cause = $"{(double)errors / (completed + errors):P0} of requests failed (limit {maxErrors:P0})";
            }
            else if (ttft is { } limit && Mean(window, p => p.TtftMeanMs) is { } mean && mean > limit.TotalMilliseconds)
            {
                cause = $"mean TTFT {mean:0} ms > {slo.Ttft}";
            }
            else if (e2e is { } e2eLimit && Mean(window, p => p.E2eMeanMs) is { } meanE2e && meanE2e > e2eLimit.TotalMilliseconds)
            {
                cause = $"mean E2E latency {meanE2e:0} ms > {slo.E2e}";
            }

            if (cause is not null)
            {
                var start = window[0].T;
                return new StressOutcome(true, RateAt(start), Math.Round(window.Sum(p => p.Sent) / (double)Window, 3), start, cause,
                    RateAt(series[^1].T + 1));
            }
        }

        var highest = series.Count == 0 ? from : RateAt(series[^1].T + 1);
        return new StressOutcome(false, null, null, null, $"held up to {highest:0.###} req/s", highest);
    }

    /// <summary>Mean over seconds weighted by the requests completed in each.</summary>
    private static double? Mean(IReadOnlyList<BenchmarkSecond> window, Func<BenchmarkSecond, double?> value)
    {
        var points = window.Where(p => value(p) is not null && p.Completed > 0).ToList();
        var weight = points.Sum(p => p.Completed);
        return weight == 0 ? null : points.Sum(p => value(p)!.Value * p.Completed) / weight;
    }

    public static SoakDrift? Drift(IReadOnlyList<BenchmarkSecond> series)
    {
        var third = series.Count / 3;
        if (third == 0)
        {
            return null;
        }

        var (first, last) = (series.Take(third).ToList(), series.Skip(series.Count - third).ToList());
        var (ttftFirst, ttftLast) = (Mean(first, p => p.TtftMeanMs), Mean(last, p => p.TtftMeanMs));
        var (tpsFirst, tpsLast) = (first.Sum(p => p.OutputTokens) / (double)third, last.Sum(p => p.OutputTokens) / (double)third);
        static double? Change(double? a, double? b) => a is > 0 && b is not null ? Math.Round((b.Value - a.Value) * 100 / a.Value, 2) : null;
        return new SoakDrift(Round(ttftFirst), Round(ttftLast), Change(ttftFirst, ttftLast), Math.Round(tpsFirst, 3), Math.Round(tpsLast, 3),
            Change(tpsFirst, tpsLast), first.Sum(p => p.Errors), last.Sum(p => p.Errors));
    }

    private static double? Round(double? v) => v is null ? null : Math.Round(v.Value, 3);
}
