using Aibench.Contracts.Client;
using Aibench.Contracts.Experiments;
using Aibench.Contracts.Server;
using Aibench.Experiments.Planning;
using Aibench.Shared.Text;

namespace Aibench.Experiments.Pages;

/// <summary>How the new-experiment preview (and the compare page) put a definition's parts into words.</summary>
internal static class PreviewTexts
{
    public static string Resources(DeploymentPreview d) =>
        $"{d.Nodes} node{(d.Nodes == 1 ? "" : "s")} · {d.GpusPerNode} GPU/node · {d.CpusPerTask} "
            + $"CPU/task{(d.Memory is null ? "" : $" · {d.Memory}")} · partition "
                + $"{d.Partition ?? "default"}{(d.Replicas > 1 ? $" · {d.Replicas} replicas" : "")}";

    public static string TimeLimit(DeploymentPreview d) =>
        (d.TimeLimitMinutes is { } m ? $"{m} min" : d.TimeLimit ?? "the partition's default")
        + (d.RecipeTimeLimitMinutes is { } own ? $" (recipe: {own} min)" : "");

    public static string PlacementText(PlacementSpec? p) => p is { Kind: "slurm" }
        ? $"{p.Workers} load-generator worker{(p.Workers == 1 ? "" : "s")} as a SLURM job: {p.Nodes} node{(p.Nodes == 1 ? "" : "s")} × "
            + $"{p.TasksPerNode}{(p.Partition is null ? "" : $", partition {p.Partition}")}"
        : "this host";

    public static string LoadText(LoadShape s) => s.Kind switch
    {
        "concurrency" => $"closed loop, {s.Concurrency} in flight",
        "rate" => $"{s.Arrival} arrivals at {Numbers.N(s.Rate)} req/s{Cap(s)}",
        "ramp" => $"ramp {Numbers.N(s.From)} → {Numbers.N(s.To)} req/s, {s.Arrival}{Cap(s)}",
        "sweep" when s.Rates is { Count: > 0 } r => $"sweep of rates {string.Join(", ", r.Select(x => Numbers.N(x)))} req/s{Cap(s)}",
        "sweep" => $"sweep of concurrencies {string.Join(", ", s.Concurrencies ?? [])}",
        _ => s.Kind,
    };

    private static string Cap(LoadShape s) => s.MaxInFlight is { } cap ? $", at most {cap} in flight" : "";

    public static string SloText(ExperimentSlo slo)
    {
        var objectives = new[] { ("TTFT", slo.Ttft), ("TPOT", slo.Tpot), ("ITL", slo.Itl), ("E2E", slo.E2e) }
            .Where(o => o.Item2 is not null)
            .Select(o => $"{o.Item1} ≤ {o.Item2}")
            .ToList();
        if (objectives.Count == 0 && slo.MaxErrorRate is null) return "none (no verdict)";
        var share = objectives.Count > 0 ? $" for {Numbers.Percent(slo.Target ?? ExperimentSlo.DefaultTarget)} of requests" : "";
        return $"{string.Join(", ", objectives)}{share}; errors ≤ {Numbers.Percent(slo.MaxErrorRate ?? ExperimentSlo.DefaultMaxErrorRate)}";
    }
}
