using System.Globalization;
using System.Text.RegularExpressions;
using Aibench.Contracts;
using Aibench.Contracts.Client;
using Aibench.Contracts.Server;
using Aibench.Experiments.Features;
using Aibench.Shared.Reports;

namespace Aibench.Experiments.Reports;

/// <summary>What an experiment's report is made of: its detail and what the other modules answered for it.</summary>
/// <param name="Run">The load run's sections (Client); empty when it has none.</param>
/// <param name="Service">The service-metrics section (Monitor); empty when nothing was scraped.</param>
/// <param name="ErrorLines">The first error lines of its logs (Logs).</param>
internal sealed record ExperimentReportInput(
    ExperimentDetail Detail,
    ServiceDeploymentFacts? Deployment,
    IReadOnlyList<ReportPart> Run,
    IReadOnlyList<ReportPart> Service,
    IReadOnlyList<string> ErrorLines);

/// <summary>
/// The sections of an experiment's report (docs/reports.md): what was deployed and run, the headline per node and per
/// GPU with the verdict, the stages with their times, the first error lines, then the load run's own sections and the
/// service's metrics. Pure.
/// </summary>
internal static partial class ExperimentReport
{
    public static ReportDocument Document(ExperimentReportInput input, DateTimeOffset now) =>
        new(input.Detail.Experiment.Name, "experiment", Sections(input), now, $"/experiments/{input.Detail.Experiment.Id}");

    public static IReadOnlyList<ReportSection> Sections(ExperimentReportInput input)
    {
        var (d, deployment) = (input.Detail, input.Deployment);
        List<ReportSection> sections = [WhatWasRun(d, deployment), Headline(d, deployment), Stages(d)];
        sections.Add(new ReportSection("errors", "First error lines of the logs", input.ErrorLines.Count == 0
            ? [new ReportNote("No line at level error or critical in the service's or the load workers' logs.")]
            : [new ReportLines(input.ErrorLines)]));
        sections.AddRange(input.Run.Concat(input.Service).Select(p => new ReportSection(p.Id, p.Title, [new ReportPartBlock(p.Html, p.Markdown)])));
        return sections;
    }

    /// <summary>GPUs a node was given by the submitted directives (<c>--gpus-per-node=4</c>, <c>--gres=gpu:a100:4</c>); 0 without any.</summary>
    public static int GpusPerNode(IReadOnlyList<string> directives)
    {
        foreach (var d in directives)
        {
            if (GpusPerNodeOption().Match(d) is { Success: true } m) return int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            if (GresOption().Match(d) is { Success: true } g) return int.Parse(g.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        return 0;
    }

    private static ReportSection WhatWasRun(ExperimentDetail d, ServiceDeploymentFacts? deployment)
    {
        var e = d.Experiment;
        var service = d.Service;
        var load = d.Definition.Load;
        List<KeyValuePair<string, string>> facts =
        [
            new("experiment", $"{e.Name} ({e.Id})"),
            new("status", (e.Status == e.Stage ? e.Status : $"{e.Status} at {e.Stage}") + (e.Partial == true ? ", partial" : "")),
            new("test", $"{e.TestType}, {e.DurationSeconds} s of load, warm-up {d.Definition.WarmupSeconds} s"),
            new("recipe", e.Recipe + (deployment?.RecipeSha256 is { } sha ? $" (file sha256 {sha[..16]}…, as it reads now: {deployment.RecipeSource})"
                : "")),
            new("parameters", d.Definition.Parameters.Count == 0 ? "defaults"
                : string.Join(", ", (deployment?.Parameters ?? d.Definition.Parameters).Select(p => $"{p.Key}={p.Value}"))),
            new("image", deployment?.Image ?? "none (the recipe runs a program of the node)"),
            new("nodes", $"{e.Nodes}" + (service?.NodeList is { } list ? $": {list}" : "")),
            new("SLURM job", service?.JobId is { } job ? job + (service.Attempt > 1 ? $" (attempt {service.Attempt})" : "") : "none yet"),
            // The resources asked for; the job's name and output paths are aibench's own and say nothing about the run.
            new("scheduler options", deployment is { Directives.Count: > 0 } ? string.Join(" ", deployment.Directives
                .Where(o => !o.StartsWith("--job-name", StringComparison.Ordinal) && !o.StartsWith("--output", StringComparison.Ordinal)
                    && !o.StartsWith("--error", StringComparison.Ordinal))) : "not submitted"),
            new("batch script sha256", deployment?.ScriptSha256 ?? "not submitted"),
            new("load", $"{load.Load?.Kind ?? "concurrency"}, dataset {load.Dataset}, {load.Api} API"
                + (load.Placement is { Kind: "slurm" } p ? $", from {p.Nodes}×{p.TasksPerNode} SLURM workers" : ", from the aibench host")),
            new("objectives", Objectives(d.Definition.Slo)),
            new("created", Shared.Text.Numbers.Time(e.CreatedAt)),
            new("finished", Shared.Text.Numbers.Time(e.FinishedAt)),
        ];
        List<ReportBlock> blocks = [new ReportFacts(facts)];
        if (e.Status is "failed" or "cancelled") blocks.Add(new ReportNote($"The experiment {e.Status}: {e.Reason}", Warning: true));
        return new ReportSection("experiment", "What was deployed and run", blocks, InSummary: true);
    }

    private static string Objectives(Planning.ExperimentSlo slo) => slo.HasLatency
        ? string.Join(", ", new[] { ("TTFT", slo.Ttft), ("TPOT", slo.Tpot), ("ITL", slo.Itl), ("E2E", slo.E2e) }.Where(x => x.Item2 is not null)
            .Select(x => $"{x.Item1} ≤ {x.Item2}"))
                + $" for {Shared.Text.Numbers.Percent(slo.Target ?? Planning.ExperimentSlo.DefaultTarget)} of requests"
        : "none (only errors are judged)";

    private static ReportSection Headline(ExperimentDetail d, ServiceDeploymentFacts? deployment)
    {
        var o = d.Result?.Overall;
        if (o is null)
        {
            return new ReportSection("verdict", "Headline",
                [new ReportNote("The load measured nothing: there are no numbers to report.", Warning: true)],
                InSummary: true);
        }

        var nodes = Math.Max(1, d.Experiment.Nodes);
        var gpus = deployment is null ? 0 : GpusPerNode(deployment.Directives) * nodes;
        string Per(double value, int by, string format) => by == 0 ? "—" : N(value / by, format);
        List<IReadOnlyList<string>> rows =
        [
            ["request throughput (req/s)", N(o.RequestThroughput), Per(o.RequestThroughput, nodes, "0.###"), Per(o.RequestThroughput, gpus, "0.###")],
            ["output tokens/s", N(o.OutputTokenThroughput, "0.#"), Per(o.OutputTokenThroughput, nodes, "0.#"),
                Per(o.OutputTokenThroughput, gpus, "0.#")],
        ];
        List<ReportBlock> blocks =
        [
            new ReportTable(["throughput (client)", "whole service", $"per node ({nodes})", gpus == 0 ? "per GPU (none asked)" : $"per GPU ({gpus})"],
                rows),
            new ReportTable(["latency (ms, client)", "p50", "p90", "p99"], [
                ["TTFT", L(o.TtftP50Ms), L(o.TtftP90Ms), L(o.TtftP99Ms)],
                ["TPOT", L(o.TpotP50Ms), "—", L(o.TpotP99Ms)],
                ["ITL", L(o.ItlP50Ms), "—", L(o.ItlP99Ms)],
                ["E2E", L(o.E2eP50Ms), L(o.E2eP90Ms), L(o.E2eP99Ms)],
            ]),
            new ReportTable(["requests", "count"], [["completed", N(o.Completed)], ["failed", N(o.Failed)],
                ["meeting every objective", o.GoodputFraction is { } g ? Shared.Text.Numbers.Percent(g) : "no objectives"]]),
        ];
        if (d.Result!.Slo is { } slo) blocks.Add(new ReportNote($"Objectives {(slo.Passed ? "met" : "missed")}: {slo.Summary}",
            Warning: !slo.Passed));
        if (d.Result.Capacity is { Rate: { } rate } capacity)
        {
            blocks.Add(new ReportNote($"Capacity under the objectives: {(capacity.AtLeast ? "at least " : "")}{N(rate)} req/s"
                + (capacity.Lower is { } lo && capacity.Upper is { } hi ? $" (between {N(lo)} and {N(hi)})" : "")
                + (capacity.OutputTokensPerSecond is { } tok ? $", {N(tok, "0.#")} output tokens/s" : "") + $"; {capacity.Ended}."));
        }
        return new ReportSection("verdict", "Headline", blocks, InSummary: true);
    }

    private static ReportSection Stages(ExperimentDetail d) => new("stages", "Stages", [
        new ReportTable(["stage", "how it ended", "started", "took"], [.. d.Stages.Select(s => (IReadOnlyList<string>)[s.Stage, s.Note ?? "",
            Shared.Text.Numbers.Time(s.StartedAt), Shared.Text.Numbers.Seconds(s.Seconds)])],
            "Deploying is the scheduler's queue wait, waiting the start-up until every replica answered, then warm-up and load", NumericFrom: 2),
    ]);

    private static string L(double? ms) => ms is { } v ? N(v, v >= 100 ? "0" : "0.0#") : "—";

    private static string N(double? value, string format = "0.##") => Shared.Text.Numbers.N(value, format);

    private static string N(long? value) => Shared.Text.Numbers.N(value);

    [GeneratedRegex(@"^--gpus-per-node=(?:[A-Za-z0-9_]+:)?(\d+)$")]
    private static partial Regex GpusPerNodeOption();

    [GeneratedRegex(@"^--gres=gpu(?::[A-Za-z0-9_]+)?:(\d+)")]
    private static partial Regex GresOption();
}
