using Aibench.Contracts;
using Aibench.Contracts.Server;
using Aibench.Experiments.Features;
using Aibench.Shared.Reports;

namespace Aibench.Experiments.Reports;

/// <summary>
/// The comparison report of 2 to 8 experiments (docs/reports.md): the experiments, what differed in their deployments
/// (recipe, nodes, parameters, image, scheduler options, test), then the Client's comparison of their load runs (load
/// settings that differed, the headline side by side with the noise test, charts). Pure.
/// </summary>
internal static class ExperimentComparison
{
    public static ReportDocument Document(IReadOnlyList<(ExperimentDetail Detail, ServiceDeploymentFacts? Deployment)> experiments,
        IReadOnlyList<ReportPart> runs, DateTimeOffset now)
    {
        var letters = experiments.Select((_, i) => ((char)('A' + i)).ToString()).ToList();
        var table = new ReportTable(["experiment", "name", "id", "status", "recipe", "nodes", "finished"],
            [.. experiments.Select((x, i) => (IReadOnlyList<string>)[letters[i], x.Detail.Experiment.Name, x.Detail.Experiment.Id.ToString(),
                x.Detail.Experiment.Status, x.Detail.Experiment.Recipe,
                    x.Detail.Experiment.Nodes.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Shared.Text.Numbers.Time(x.Detail.Experiment.FinishedAt)])], NumericFrom: 99);
        var settings = experiments.Select(x => Settings(x.Detail, x.Deployment)).ToList();
        var keys = settings.SelectMany(s => s.Keys).Distinct().Order(StringComparer.Ordinal)
            .Where(k => settings.Select(s => s.GetValueOrDefault(k, "—")).Distinct().Count() > 1).ToList();
        var differed = new ReportTable(["setting", .. letters], keys.Count == 0
            ? [["(nothing: the same deployment and test)", .. letters.Select(_ => "")]]
            : [.. keys.Select(k => (IReadOnlyList<string>)[k, .. settings.Select(s => s.GetValueOrDefault(k, "—"))])],
            "Deployment and test settings that are not the same in all of them; the load runs' own settings follow", NumericFrom: 99);
        List<ReportSection> sections =
        [
            new("experiments", "Experiments compared", [table,
                new ReportNote("Runs A, B, … below are these experiments' load runs, in the same order; A is the baseline.")], InSummary: true),
            new("deployment", "What differed in the deployments", [differed], InSummary: true),
            .. runs.Select(p => new ReportSection(p.Id, p.Title, [new ReportPartBlock(p.Html, p.Markdown)], p.InSummary)),
        ];
        return new ReportDocument(string.Join(" vs ", experiments.Select(x => x.Detail.Experiment.Name)), "comparison", sections, now);
    }

    /// <summary>An experiment's deployment and test as flat settings.</summary>
    private static Dictionary<string, string> Settings(ExperimentDetail d, ServiceDeploymentFacts? deployment)
    {
        var e = d.Experiment;
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["recipe"] = e.Recipe,
            ["nodes"] = e.Nodes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["test"] = $"{e.TestType}, {e.DurationSeconds} s",
            ["warm-up"] = $"{d.Definition.WarmupSeconds} s",
            ["image"] = deployment?.Image ?? "none",
            ["recipe file sha256"] = deployment?.RecipeSha256?[..16] ?? "—",
            ["scheduler"] = deployment?.Scheduler ?? "—",
        };
        foreach (var (name, value) in deployment?.Parameters ?? d.Definition.Parameters)
        {
            settings[$"parameters.{name}"] = value;
        }

        foreach (var option in deployment?.Directives ?? [])
        {
            // The job's name and output paths are aibench's own per service; the rest is what was asked of the scheduler.
            var (key, value) = option.Split('=', 2) is [var k, var v] ? (k, v) : (option, "set");
            if (key is not ("--job-name" or "--output" or "--error")) settings[$"sbatch {key}"] = value;
        }

        return settings;
    }
}
