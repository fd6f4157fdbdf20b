using System.Text.Json;
using Aibench.Experiments.Features;

namespace Aibench.Experiments.Campaigns;

/// <summary>A campaign's grid: its axes checked and expanded into cells, and each element's experiment. Pure.</summary>
internal static class CampaignGrid
{
    /// <summary>Every problem with the axes and the element count, as (field, message).</summary>
    public static List<(string Field, string Message)> Check(CampaignAxes? axes, int repeats, int maxElements)
    {
        var problems = new List<(string, string)>();
        if (axes is null || (axes.Nodes is null && axes.Parameters is null))
        {
            problems.Add(("axes", "axes: give at least one axis (nodes, or parameters with their values): a campaign varies something."));
            return problems;
        }

        if (axes.Nodes is { } nodes)
        {
            if (nodes.Count == 0) problems.Add(("axes.nodes", "axes.nodes: an axis needs at least one value."));
            for (var i = 0; i < nodes.Count; i++)
            {
                if (nodes[i] < 1) problems.Add(($"axes.nodes[{i}]", $"axes.nodes[{i}]: {nodes[i]} is not a node count (at least 1)."));
            }

            if (nodes.Distinct().Count() != nodes.Count) problems.Add(("axes.nodes", "axes.nodes: a value is given twice."));
        }

        foreach (var (name, values) in axes.Parameters ?? new Dictionary<string, IReadOnlyList<JsonElement>>())
        {
            var at = $"axes.parameters.{name}";
            if (values is null || values.Count == 0)
            {
                problems.Add((at, $"{at}: an axis needs at least one value."));
                continue;
            }

            if (values.Select(v => v.GetRawText()).Distinct(StringComparer.Ordinal).Count() != values.Count)
            {
                problems.Add((at, $"{at}: a value is given twice."));
            }
        }

        var count = Count(axes) * (long)repeats;
        if (problems.Count == 0 && count > maxElements)
        {
            problems.Add(("axes", $"axes: the grid has {Count(axes)} cell(s) × {repeats} repeat(s) = {count} experiments; at most {maxElements} "
                + "(Experiments:MaxCampaignElements)."));
        }

        return problems;
    }

    /// <summary>The cells: nodes vary slowest, then each parameter in name order, each axis in the order its values were given.</summary>
    public static IReadOnlyList<CampaignCell> Cells(CampaignAxes axes)
    {
        IReadOnlyList<int?> nodes = axes.Nodes is { Count: > 0 } n ? [.. n.Select(x => (int?)x)] : [null];
        var parameters = (axes.Parameters ?? new Dictionary<string, IReadOnlyList<JsonElement>>()).OrderBy(p => p.Key,
            StringComparer.Ordinal).ToList();
        var combinations = new List<Dictionary<string, JsonElement>> { new(StringComparer.Ordinal) };
        foreach (var (name, values) in parameters)
        {
            combinations = [.. combinations.SelectMany(c
                => values.Select(v => new Dictionary<string, JsonElement>(c, StringComparer.Ordinal) { [name] = v }))];
        }

        var cells = new List<CampaignCell>();
        foreach (var count in nodes)
        {
            foreach (var values in combinations)
            {
                var parts = new List<string>();
                if (count is { } c) parts.Add($"{c} node{(c == 1 ? "" : "s")}");
                parts.AddRange(values.Select(v => $"{v.Key}={Text(v.Value)}"));
                cells.Add(new CampaignCell(cells.Count, count, values, string.Join(" · ", parts)));
            }
        }

        return cells;
    }

    /// <summary>The experiment of one element: the base with the cell's nodes and parameter values, named after the campaign and the cell.</summary>
    public static CreateExperiment ExperimentOf(CreateExperiment @base, CampaignCell cell, int repeat, int repeats, string campaign)
    {
        var parameters = new Dictionary<string, JsonElement>(@base.Parameters ?? new Dictionary<string, JsonElement>(), StringComparer.Ordinal);
        foreach (var (name, value) in cell.Parameters)
        {
            parameters[name] = value;
        }

        var label = $"{campaign} · {cell.Label}{(repeats > 1 ? $" · #{repeat + 1}" : "")}";
        return @base with { Nodes = cell.Nodes ?? @base.Nodes, Parameters = parameters, Name = label.Length > 256 ? label[..256] : label };
    }

    private static long Count(CampaignAxes axes) =>
        Math.Max(1, axes.Nodes?.Count ?? 1) * (axes.Parameters ?? new Dictionary<string, IReadOnlyList<JsonElement>>())
            .Aggregate(1L, (product, axis) => product * Math.Max(1, axis.Value?.Count ?? 1));

    private static string Text(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
}
