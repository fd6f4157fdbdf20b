using Aibench.Client.LoadGen;
using Aibench.Shared.Components.Charts;
using Aibench.Shared.Reports;
using Aibench.Contracts;
using static Aibench.Shared.Text.Numbers;

namespace Aibench.Client.Reports;

/// <summary>
/// The comparison report of 2 to <see cref="MaxRuns"/> finished runs (docs/reports.md): what differed between them, each
/// headline number side by side with its change against the first run, and whether that change is beyond the runs' own
/// noise (<see cref="NoiseCheck"/> on <see cref="NoiseCheck.Batches"/> time batches of each run). Pure.
/// </summary>
internal static class BenchmarkComparison
{
    public const int MaxRuns = 8;

    /// <summary>One compared number: its value over the whole run, and its value on a batch of the run's requests.</summary>
    private sealed record Metric(string Name, bool HigherIsBetter, Func<StepResult, double?> Whole, Func<Batch, double?> OfBatch);

    /// <summary>The requests that ended in one time slice of a run.</summary>
    private sealed record Batch(IReadOnlyList<RequestRecord> Ended, double Seconds);

    private static readonly Metric[] Metrics =
    [
        new("request throughput (req/s)", true, o => o.RequestThroughput, b => b.Ended.Count(r => r.Ok) / b.Seconds),
        new("output tokens/s", true, o => o.OutputTokenThroughput, b => b.Ended.Where(r => r.Ok).Sum(r => (double)r.EffectiveOutputTokens) /
            b.Seconds),
        new("TTFT p50 (ms)", false, o => o.TtftMs?.P50, b => Pct(b, r => r.TtftUs, 50)),
        new("TTFT p90 (ms)", false, o => o.TtftMs?.P90, b => Pct(b, r => r.TtftUs, 90)),
        new("TTFT p99 (ms)", false, o => o.TtftMs?.P99, b => Pct(b, r => r.TtftUs, 99)),
        new("TPOT p50 (ms)", false, o => o.TpotMs?.P50, b => Pct(b, r => r.TpotUs, 50)),
        new("TPOT p99 (ms)", false, o => o.TpotMs?.P99, b => Pct(b, r => r.TpotUs, 99)),
        new("E2E p50 (ms)", false, o => o.E2eMs?.P50, b => Pct(b, r => r.E2eUs, 50)),
        new("E2E p99 (ms)", false, o => o.E2eMs?.P99, b => Pct(b, r => r.E2eUs, 99)),
        new("failed share (%)", false, o => o.Completed + o.Failed == 0 ? null : 100.0 * o.Failed / (o.Completed + o.Failed),
            b => b.Ended.Count == 0 ? null : 100.0 * b.Ended.Count(r => !r.Ok) / b.Ended.Count),
    ];

    public static ReportDocument Document(IReadOnlyList<BenchmarkReportInput> runs, DateTimeOffset now)
    {
        var letters = runs.Select((r, i) => ((char)('A' + i)).ToString()).ToList();
        var runTable = new ReportTable(["run", "name", "id", "status", "started", "target"],
            [.. runs.Select((r, i) => (IReadOnlyList<string>)[letters[i], r.Name, r.Id.ToString(), r.Status.WireName(), Time(r.StartedAt),
                r.Target])],
            NumericFrom: 9);
        var (table, findings) = Headline(runs, letters);
        List<ReportBlock> verdict = [.. findings.Select(f => new ReportNote(f))];
        verdict.Add(new ReportNote($"A change is called beyond the noise when Welch's t-test on {NoiseCheck.Batches} equal time batches of each run "
            + $"gives p < {NoiseCheck.Alpha} / {Metrics.Length} (Bonferroni over the numbers compared); docs/reports.md explains the method."));
        List<ReportSection> sections =
        [
            new("runs", "Runs compared", [runTable], InSummary: true),
            new("differences", "What differed", [Differences(runs, letters)], InSummary: true),
            new("headline", "Headline, side by side", [table, .. verdict], InSummary: true),
            new("over-time", "Over time", [
                new ReportFigure("throughput-compared", "Completed requests per second", Overlay(runs, letters, "requests", "per s",
                    p => p.Completed)),
                new ReportFigure("ttft-compared", "TTFT mean per second (client)", Overlay(runs, letters, "TTFT", "ms", p => p.TtftMeanMs)),
            ]),
            new("distributions", "Latency distributions", [
                new ReportFigure("ttft-cdf-compared", "TTFT: share of requests within a latency", Cdfs(runs, letters, "TTFT", r => r.TtftUs)),
                new ReportFigure("e2e-cdf-compared", "E2E: share of requests within a latency", Cdfs(runs, letters, "E2E", r => r.E2eUs)),
            ]),
        ];
        return new ReportDocument(string.Join(" vs ", runs.Select(r => r.Name)), "comparison", sections, now);
    }

    private static (ReportTable Table, List<string> Findings) Headline(IReadOnlyList<BenchmarkReportInput> runs, List<string> letters)
    {
        var batches = runs.Select(Batches).ToList();
        var alpha = NoiseCheck.Alpha / Metrics.Length;
        var rows = new List<IReadOnlyList<string>>();
        var marks = new List<string?>();
        var findings = new List<string>();
        foreach (var metric in Metrics)
        {
            var values = runs.Select(r => metric.Whole(r.Summary.Overall)).ToList();
            var row = new List<string> { metric.Name };
            row.AddRange(values.Select(v => v is { } x ? N(x, Math.Abs(x) >= 100 ? "0.#" : "0.###") : "—"));
            string? mark = null;
            for (var i = 1; i < runs.Count; i++)
            {
                var verdict = NoiseCheck.Compare(Values(batches[0], metric), Values(batches[i], metric), alpha);
                var change = values[0] is { } a && values[i] is { } b && a != 0 ? (b - a) / Math.Abs(a) * 100 : (double?)null;
                var beyond = verdict?.Different == true;
                var better = change is { } c && (c > 0) == metric.HigherIsBetter;
                row.Add((change is { } ch ? $"{(ch >= 0 ? "+" : "−")}{N(Math.Abs(ch), "0.#")} %" : "—") + " · "
                    + (verdict is null ? "too few requests to tell" : beyond ? (better ? "better, beyond noise" : "worse, beyond noise")
                        : "within noise"));
                if (beyond && change is { } pct)
                {
                    findings.Add($"{letters[i]} vs A: {metric.Name} {(pct >= 0 ? "+" : "−")}{N(Math.Abs(pct), "0.#")} %, "
                        + $"{(better ? "better" : "worse")} beyond the noise (p = {verdict!.P:0.####}).");
                }

                if (runs.Count == 2) mark = beyond ? (better ? "better" : "worse") : "same";
            }

            rows.Add(row);
            marks.Add(mark);
        }

        if (findings.Count == 0)
        {
            findings.Add("No headline number differs beyond the runs' own noise: the runs are not different by this test.");
        }

        return (new ReportTable(["number", .. letters, .. letters.Skip(1).Select(l => $"{l} vs A")], rows,
            "The whole run's value; the change against run A and whether it is beyond the noise", Marks: marks), findings);
    }

    private static ReportTable Differences(IReadOnlyList<BenchmarkReportInput> runs, List<string> letters)
    {
        var flat = runs.Select(r =>
        {
            var f = new Dictionary<string, string>(BenchmarkReport.Flatten(r.Spec)) { ["target"] = r.Target, ["model"] = r.Model ?? "" };
            f.Remove("name");
            f.Remove("experimentId");
            f.Remove("service");
            return f;
        }).ToList();
        var keys = flat.SelectMany(f => f.Keys).Distinct().Order(StringComparer.Ordinal)
            .Where(k => flat.Select(f => f.GetValueOrDefault(k, "")).Distinct().Count() > 1).ToList();
        return new ReportTable(["setting", .. letters], keys.Count == 0
            ? [["(nothing: the same load on the same target)", .. letters.Select(_ => "")]]
            : [.. keys.Select(k => (IReadOnlyList<string>)[k, .. flat.Select(f => f.GetValueOrDefault(k, "—"))])],
            "Settings of the runs that are not the same in all of them", NumericFrom: 99);
    }

    private static List<double> Values(List<Batch> batches, Metric metric) => [.. batches.Select(metric.OfBatch).OfType<double>()];

    /// <summary>The measured requests cut into <see cref="NoiseCheck.Batches"/> equal time slices by when they ended.</summary>
    private static List<Batch> Batches(BenchmarkReportInput run)
    {
        var measured = run.Records.Where(r => !r.Warmup && r.Error != RequestError.Cancelled && r.EndUs >= 0).ToList();
        if (measured.Count == 0) return [];
        var from = measured.Min(r => r.ScheduledUs);
        var to = measured.Max(r => r.EndUs);
        var width = Math.Max(1, (to - from) / (double)NoiseCheck.Batches);
        var slices = Enumerable.Range(0, NoiseCheck.Batches).Select(_ => new List<RequestRecord>()).ToList();
        foreach (var r in measured)
        {
            slices[Math.Clamp((int)((r.EndUs - from) / width), 0, NoiseCheck.Batches - 1)].Add(r);
        }

        return [.. slices.Select(s => new Batch(s, width / 1e6))];
    }

    private static double? Pct(Batch b, Func<RequestRecord, double?> microseconds, double p)
    {
        var values = b.Ended.Where(r => r.Ok).Select(microseconds).OfType<double>().Order().ToArray();
        return values.Length == 0 ? null : NearestRank.Of(values, p) / 1000;
    }

    private static Chart Overlay(IReadOnlyList<BenchmarkReportInput> runs, List<string> letters, string title, string unit,
        Func<SecondPoint, double?> value) =>
        new(new ChartAxis("time since start", "s"), new ChartAxis(title, unit),
            [.. runs.Select((r, i) => new ChartLine($"{letters[i]} · {r.Name}", [.. r.Series.Select(p => new ChartPoint(p.T, value(p)))]))]);

    private static Chart Cdfs(IReadOnlyList<BenchmarkReportInput> runs, List<string> letters, string title, Func<RequestRecord, long?> us) =>
        new(new ChartAxis(title, "ms"), new ChartAxis("requests", "%"), [.. runs.Select((r, i) => new ChartLine($"{letters[i]} · {r.Name}",
            BenchmarkReport.Cdf([.. r.Records.Where(x => !x.Warmup && x.Ok).Select(us).OfType<long>().Select(v => v / 1000.0).Order()])))]);

    // Numbers.N under its own name here: a referenced assembly declares a namespace N, which a using static cannot shadow.
    private static string N(double? value, string format = "0.##") => Shared.Text.Numbers.N(value, format);

    private static string N(long? value) => Shared.Text.Numbers.N(value);
}
