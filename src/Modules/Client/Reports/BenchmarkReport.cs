using System.Text.Json;
using Aibench.Client.LoadGen;
using Aibench.Client.Pages;
using Aibench.Contracts.Client;
using Aibench.Shared.Components.Charts;
using Aibench.Shared.Reports;
using Aibench.Contracts;
using static Aibench.Shared.Text.Numbers;

namespace Aibench.Client.Reports;

/// <summary>A finished run with everything its report shows: its row, spec, summary, per-second series and requests.</summary>
internal sealed record BenchmarkReportInput(
    Guid Id,
    string Name,
    BenchmarkStatus Status,
    string Target,
    string? Model,
    string? Dataset,
    string? Error,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    BenchmarkSpec Spec,
    RunSummary Summary,
    IReadOnlyList<SecondPoint> Series,
    IReadOnlyList<RequestRecord> Records);

/// <summary>
/// The sections of a run's report (docs/reports.md): what was run, the headline, its steps, its numbers over time, its
/// latency distributions, its workers, and how every number is defined. Pure: the same input gives the same report.
/// </summary>
internal static class BenchmarkReport
{
    /// <summary>Points a CDF is drawn with: enough for a smooth curve, few enough for a small file at any request count.</summary>
    public const int CdfPoints = 200;

    public static ReportDocument Document(BenchmarkReportInput run, DateTimeOffset now, string? link) =>
        new(run.Name, "run", Sections(run), now, link);

    public static IReadOnlyList<ReportSection> Sections(BenchmarkReportInput run)
    {
        var s = run.Summary;
        List<ReportSection> sections = [WhatWasRun(run), Headline(s, run.Spec)];
        if (s.Steps.Count > 1) sections.Add(Steps(s));
        sections.Add(new ReportSection("over-time", "Over time", [
            new ReportFigure("requests-over-time", "Requests per second", BenchmarkCharts.Requests(run.Series)),
            new ReportFigure("tokens-over-time", "Output tokens per second", BenchmarkCharts.Tokens(run.Series)),
            new ReportFigure("latency-over-time", "Latency over time (client)", BenchmarkCharts.Latency(run.Series),
                "Per second: the mean TTFT of the first tokens and the mean E2E of the requests completed in that second."),
        ]));
        sections.Add(Distributions(run));
        if (Replicas(run) is { } replicas) sections.Add(replicas);
        if (s.Workers is { Count: > 0 } workers) sections.Add(Workers(workers, s.WorkerJobId));
        sections.Add(new ReportSection("definitions", "How each number is computed", [
            new ReportTable(["number", "definition"], [.. s.Definitions.Select(d => (IReadOnlyList<string>)[d.Key, d.Value])], NumericFrom: 9),
            new ReportNote("Every number above is the client's (aibench's load generator), measured on the requests of the measured window; "
                + "warm-up requests are left out. docs/metrics.md gives the same definitions."),
        ]));
        return sections;
    }

    /// <summary>The load as one line: its shape, e.g. <c>rate 20 req/s poisson</c> or <c>sweep concurrency 1, 4, 16</c>.</summary>
    public static string Load(BenchmarkSpec spec)
    {
        var load = spec.Load ?? new LoadShape(Concurrency: 1);
        return load.Kind switch
        {
            "rate" => $"rate {load.Rate} req/s, {load.Arrival} arrivals",
            "ramp" => $"ramp {load.From} → {load.To} req/s",
            "sweep" when load.Rates is { Count: > 0 } r => $"sweep of rates {string.Join(", ", r)} req/s",
            "sweep" => $"sweep of concurrencies {string.Join(", ", load.Concurrencies ?? [])}",
            _ => $"concurrency {load.Concurrency ?? 1}",
        };
    }

    private static ReportSection WhatWasRun(BenchmarkReportInput run)
    {
        var (spec, s) = (run.Spec, run.Summary);
        var envelope = s.Envelope is { } e
            ? e.Status == ClientEnvelope.Measured
                ? $"measured ({e.Shape}): {N(e.RequestThroughput)} req/s, TTFT p50 {Ms(e.TtftP50Ms)}, ITL p50 {Ms(e.ItlP50Ms)} on {e.Cores} cores"
                : $"{e.Status}: {e.Reason}"
            : s.Workers is { Count: > 0 } ? "measured by each SLURM worker on its node (in the result's workers)" : "not recorded for this run";
        List<KeyValuePair<string, string>> facts =
        [
            new("run", run.Id == Guid.Empty ? $"{run.Name} (aibench loadgen, no host)" : $"{run.Name} ({run.Id})"),
            new("status", run.Status.WireName() + (s.Partial ? ", partial" : "") + $"; stopped by {s.StopReason}"),
            new("target", run.Target),
            new("model", run.Model ?? spec.Model ?? "the server's first"),
            new("API", $"/v1/{(spec.Api == "chat" ? "chat/completions" : spec.Api)}, {(spec.Stream ? "streamed" : "not streamed")}"),
            new("load", Load(spec) + (spec.Duration is { } d ? $", {d} per step" : "")
                + (spec.MaxRequests is { } m ? $", at most {m} requests" : "")),
            new("dataset", run.Dataset is { } ds && ds != spec.Dataset ? $"{spec.Dataset} ({ds})" : spec.Dataset),
            new("tokenizer", s.TokenCounter + (s.TokenizerNote is { } note ? $" ({note})" : "")),
            new("client envelope", envelope),
            new("placement", spec.Placement is { Kind: "slurm" } p
                ? $"SLURM load-generator workers: {p.Nodes} node(s) × {p.TasksPerNode} task(s)" + (s.WorkerJobId is { } j ? $", job {j}" : "")
                : "in the aibench host"),
            new("started", Time(run.StartedAt ?? s.StartedAt)),
            new("ended", Time(run.FinishedAt)),
            new("measured window", Seconds(s.Overall.DurationSeconds) + $" (wall {Seconds(s.WallSeconds)})"),
            new("seed", spec.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ];
        if (spec.Slo is { } slo)
        {
            facts.Add(new("objectives", string.Join(", ", new[] { ("TTFT", slo.Ttft), ("TPOT", slo.Tpot), ("E2E", slo.E2e) }
                .Where(x => x.Item2 is not null).Select(x => $"{x.Item1} ≤ {x.Item2}"))));
        }

        List<ReportBlock> blocks = [new ReportFacts(facts)];
        if (run.Error is { } error) blocks.Add(new ReportNote($"The run ended with an error: {error}", Warning: true));
        return new ReportSection("run", "What was run", blocks, InSummary: true);
    }

    private static ReportSection Headline(RunSummary s, BenchmarkSpec spec)
    {
        var o = s.Overall;
        List<IReadOnlyList<string>> rows =
        [
            ["requests completed", N(o.Completed)],
            ["requests failed", N(o.Failed)],
            ["request throughput (req/s)", N(o.RequestThroughput)],
            ["output tokens/s", N(o.OutputTokenThroughput, "0.#")],
            ["input tokens/s", N(o.InputTokenThroughput, "0.#")],
            ["peak output tokens/s (1 s)", N(o.PeakOutputTokensPerSecond, "0.#")],
            ["mean requests in flight", N(o.MeanConcurrency)],
        ];
        if (o.Goodput is { } goodput)
        {
            rows.Add(["goodput (req/s meeting every objective)", N(goodput)]);
            rows.Add(["share of requests meeting every objective", Percent(o.GoodputFraction)]);
        }

        List<ReportBlock> blocks = [new ReportTable(["number", "value"], rows, "Throughput (client)")];
        blocks.Add(new ReportTable(["latency (ms)", "mean", "p50", "p90", "p99", "max"], [.. new[]
        {
            ("TTFT", o.TtftMs), ("TPOT", o.TpotMs), ("ITL", o.ItlMs), ("E2E", o.E2eMs),
        }.Where(x => x.Item2 is { Count: > 0 }).Select(x => (IReadOnlyList<string>)[x.Item1, L(x.Item2!.Mean), L(x.Item2.P50), L(x.Item2.P90),
            L(x.Item2.P99), L(x.Item2.Max)])], "Latency of the completed requests (client), milliseconds"));
        if (spec.Slo is not null && o.ObjectiveAttainment is { Count: > 0 } attained)
        {
            blocks.Add(new ReportTable(["objective", "requests meeting it"],
                [.. attained.Select(a => (IReadOnlyList<string>)[a.Key, Percent(a.Value)])], "Objectives, each on its own"));
        }

        if (o.Errors.Count > 0)
        {
            blocks.Add(new ReportTable(["error", "requests"], [.. o.Errors.OrderByDescending(e => e.Value)
                .Select(e => (IReadOnlyList<string>)[e.Key, N(e.Value)])], "Errors by kind"));
            foreach (var (kind, sample) in s.ErrorSamples.Take(5))
            {
                blocks.Add(new ReportNote($"{kind}, for example: {sample}"));
            }
        }

        if (s.ClientLimited)
        {
            blocks.Add(new ReportNote("The client, not the service, limited this run: " + string.Join("; ", s.ClientLimitReasons ?? []),
                Warning: true));
        }

        return new ReportSection("headline", "Headline", blocks, InSummary: true);
    }

    private static ReportSection Steps(RunSummary s)
    {
        var rows = s.Steps.Select(t => (IReadOnlyList<string>)[t.Label, N(t.Completed), N(t.Failed), N(t.RequestThroughput),
            N(t.OutputTokenThroughput, "0.#"), L(t.TtftMs?.P50), L(t.TtftMs?.P99), L(t.TpotMs?.P50), L(t.E2eMs?.P50), L(t.E2eMs?.P99)]).ToList();
        var byRate = s.Steps.All(t => t.TargetRate is not null);
        var x = new ChartAxis(byRate ? "offered load" : "concurrency", byRate ? "req/s" : null);
        double X(StepResult t) => byRate ? t.TargetRate!.Value : t.Concurrency ?? t.Index + 1;
        var chart = new Chart(x, new ChartAxis("latency", "ms"), [
            new ChartLine("TTFT p50", [.. s.Steps.Select(t => new ChartPoint(X(t), t.TtftMs?.P50))]),
            new ChartLine("TTFT p99", [.. s.Steps.Select(t => new ChartPoint(X(t), t.TtftMs?.P99))], Dashed: true),
            new ChartLine("E2E p50", [.. s.Steps.Select(t => new ChartPoint(X(t), t.E2eMs?.P50))]),
        ]);
        return new ReportSection("steps", "Steps", [
            new ReportTable(["step", "completed", "failed", "req/s", "output tok/s", "TTFT p50", "TTFT p99", "TPOT p50", "E2E p50", "E2E p99"], rows,
                "One row per step of the sweep; latencies in ms (client)"),
            new ReportFigure("latency-vs-load", "Latency against load", chart),
        ]);
    }

    private static ReportSection Distributions(BenchmarkReportInput run)
    {
        var ok = run.Records.Where(r => !r.Warmup && r.Ok).ToList();
        List<ReportBlock> blocks = [new ReportFigure("latency-percentiles", "Latency percentiles (client)",
            BenchmarkCharts.LatencyPercentiles(run.Summary.Overall), "Each latency at its mean and percentiles, on a log scale.")];
        foreach (var (id, title, values) in new[]
        {
            ("ttft-cdf", "TTFT", ok.Where(r => r.TtftUs is not null).Select(r => r.TtftUs!.Value / 1000.0)),
            ("tpot-cdf", "TPOT", ok.Where(r => r.TpotUs is not null).Select(r => r.TpotUs!.Value / 1000.0)),
            ("e2e-cdf", "E2E", ok.Select(r => r.E2eUs / 1000.0)),
        })
        {
            var sorted = values.Order().ToArray();
            if (sorted.Length == 0) continue;
            blocks.Add(new ReportFigure(id, $"{title}: share of requests within a latency",
                new Chart(new ChartAxis(title, "ms"), new ChartAxis("requests", "%"), [new ChartLine($"{title} (client)", Cdf(sorted))]),
                $"{N(sorted.Length)} completed requests; at x, the share that took x or less."));
        }

        if (ok.Count == 0) blocks.Add(new ReportNote("No completed request was kept, so there is no distribution to draw."));
        return new ReportSection("distributions", "Latency distributions", blocks);
    }

    /// <summary>
    /// The load as each replica (endpoint) of the service got it, when there were several: a replica slower than the
    /// others shows here, where the whole run's numbers mix it in.
    /// </summary>
    private static ReportSection? Replicas(BenchmarkReportInput run)
    {
        var measured = run.Records.Where(r => !r.Warmup && r.Error != RequestError.Cancelled).GroupBy(r => r.Endpoint).OrderBy(g => g.Key).ToList();
        if (measured.Count < 2) return null;
        var total = measured.Sum(g => g.Count());
        static string P50(IEnumerable<double> values)
        {
            var sorted = values.Order().ToArray();
            return sorted.Length == 0 ? "—" : L(NearestRank.Of(sorted, 50));
        }

        return new ReportSection("replicas", "Per replica", [
            new ReportTable(["replica", "requests", "share", "failed", "TTFT p50 (ms)", "E2E p50 (ms)"], [.. measured.Select(g =>
            {
                var ok = g.Where(r => r.Ok).ToList();
                return (IReadOnlyList<string>)[run.Spec.Urls is { } urls && g.Key < urls.Count ? $"{g.Key}: {urls[g.Key]}" : $"endpoint {g.Key}",
                    N(g.LongCount()), Percent(g.Count() / (double)total), N(g.LongCount(r => !r.Ok)),
                    P50(ok.Where(r => r.TtftUs is not null).Select(r => r.TtftUs!.Value / 1000.0)), P50(ok.Select(r => r.E2eUs / 1000.0))];
            })], $"The measured requests by the endpoint they went to ({run.Spec.Spread}), client's numbers", NumericFrom: 1),
        ]);
    }

    /// <summary>The empirical CDF of sorted values at <see cref="CdfPoints"/> evenly spaced ranks, the last one the maximum.</summary>
    public static IReadOnlyList<ChartPoint> Cdf(double[] sorted)
    {
        var points = new List<ChartPoint>(CdfPoints + 1);
        var n = sorted.Length;
        for (var k = 1; k <= CdfPoints; k++)
        {
            var rank = Math.Max(1, (int)Math.Ceiling(k * n / (double)CdfPoints));
            var point = new ChartPoint(Math.Round(sorted[rank - 1], 3), Math.Round(100.0 * rank / n, 3));
            if (points.Count == 0 || points[^1] != point) points.Add(point);
        }

        return points;
    }

    private static ReportSection Workers(IReadOnlyList<LoadGen.Distributed.WorkerResult> workers, string? job) =>
        new("workers", "Load-generator workers", [
            new ReportTable(["worker", "node", "status", "sent", "completed", "errors", "rate (req/s)", "TTFT p50", "TTFT p99", "E2E p50", "lag p99"],
                [.. workers.Select(w => (IReadOnlyList<string>)[$"w{w.Worker}", w.Node ?? "?", w.Status + (w.Reason is { } r ? $": {r}" : ""),
                    N(w.Sent), N(w.Completed), N(w.Errors), N(w.AchievedRate), L(w.TtftP50Ms), L(w.TtftP99Ms), L(w.E2eP50Ms),
                        L(w.ScheduleLagP99Ms)])],
                $"Each SLURM worker's share{(job is null ? "" : $" (job {job})")}; latencies in ms", NumericFrom: 3),
        ]);

    private static string L(double? ms) => ms is { } v ? N(v, v >= 100 ? "0" : "0.0#") : "—";

    /// <summary>The spec as flat <c>path = value</c> pairs (the comparison report shows the ones that differ).</summary>
    public static IReadOnlyDictionary<string, string> Flatten(BenchmarkSpec spec)
    {
        var flat = new SortedDictionary<string, string>(StringComparer.Ordinal);
        void Walk(JsonElement e, string path)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var p in e.EnumerateObject()) Walk(p.Value, path.Length == 0 ? p.Name : $"{path}.{p.Name}");
                    break;
                case JsonValueKind.Null:
                    break;
                case JsonValueKind.Array:
                    flat[path] = string.Join(", ", e.EnumerateArray().Select(x => x.ToString()));
                    break;
                default:
                    flat[path] = e.ToString();
                    break;
            }
        }

        Walk(JsonSerializer.SerializeToElement(spec, Json.Options), "");
        return flat;
    }

    // Numbers.N under its own name here: a referenced assembly declares a namespace N, which a using static cannot shadow.
    private static string N(double? value, string format = "0.##") => Shared.Text.Numbers.N(value, format);

    private static string N(long? value) => Shared.Text.Numbers.N(value);
}
