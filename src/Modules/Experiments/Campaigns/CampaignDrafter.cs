using System.Globalization;
using Aibench.Experiments.Features;
using Aibench.Experiments.Planning;
using FluentValidation;
using FluentValidation.Results;

namespace Aibench.Experiments.Campaigns;

/// <summary>
/// Turns a <see cref="CreateCampaign"/> into a <see cref="CampaignPreview"/>: every cell's experiment drafted and checked
/// by the modules that will carry it out (an unknown parameter, a node count over <c>Server:MaxNodes</c>), each problem
/// named by the campaign's own field (<c>axes.nodes</c>, <c>axes.parameters.max_num_seqs</c>, <c>base.…</c>).
/// </summary>
internal sealed class CampaignDrafter(ExperimentDrafter experiments)
{
    public async Task<(CampaignPreview Preview, IReadOnlyList<CampaignCell> Cells)> DraftAsync(CreateCampaign c, CancellationToken ct)
    {
        var cells = CampaignGrid.Cells(c.Axes!);
        var name = c.Name ?? $"campaign · {c.Base!.Recipe} · {c.Base.TestType}";
        var drafts = new List<(CampaignCell Cell, ExperimentPreview Draft)>();
        var failures = new List<ValidationFailure>();
        foreach (var cell in cells)
        {
            try
            {
                drafts.Add((cell, await experiments.DraftAsync(CampaignGrid.ExperimentOf(c.Base!, cell, 0, c.Repeats, name), ct)));
            }
            catch (ValidationException e)
            {
                failures.AddRange(e.Errors.Select(f => Renamed(f, c.Axes!, cell)));
            }
        }

        // A campaign keeps its definition to start its elements later; a secret value would be stored with it.
        var given = c.Base!.Parameters ?? new Dictionary<string, System.Text.Json.JsonElement>();
        foreach (var (draft, parameter) in drafts.SelectMany(d => d.Draft.Deployment.Parameters
            .Where(p => p.Value == "***" && (given.ContainsKey(p.Key) || d.Cell.Parameters.ContainsKey(p.Key))).Select(p => (d, p.Key))))
        {
            failures.Add(new ValidationFailure(draft.Cell.Parameters.ContainsKey(parameter) ? $"axes.parameters.{parameter}"
                : $"base.parameters.{parameter}",
                $"'{parameter}' is a secret parameter: a campaign stores its definition to start its elements later, and secrets are never stored. "
                    + "Give it through the recipe's environment (e.g. a token file) instead."));
        }

        if (failures.Count > 0)
        {
            throw new ValidationException(failures.DistinctBy(f => (f.PropertyName, f.ErrorMessage)));
        }

        // One shape, one array: the scheduler takes elements that ask for the same resources as tasks of one job.
        var shapes = drafts.GroupBy(d => Shape(d.Draft)).ToList();
        var submissions = shapes.Select(g =>
        {
            var first = g.First().Draft.Deployment;
            var elements = g.Count() * c.Repeats;
            var kind = elements > 1 ? "array" : "job";
            var limit = first.TimeLimitMinutes is { } m ? $"{m} min" : "the recipe's time limit";
            var arrays = (elements + CampaignArrays.MaxArraySize - 1) / CampaignArrays.MaxArraySize;
            var each = Math.Min(elements, CampaignArrays.MaxArraySize);
            var description = kind == "array"
                ? string.Create(CultureInfo.InvariantCulture,
                    $"{(arrays == 1 ? "one job array" : $"{arrays} job arrays")} of {elements} elements on {first.Nodes} node(s) each, {limit}, "
                        + $"at most {Math.Min(c.Throttle, each)} at once{(arrays == 1 ? "" : " in each")} "
                        + $"(sbatch --array=0-{each - 1}%{Math.Min(c.Throttle, each)})")
                : $"one job on {first.Nodes} node(s), {limit}";
            return new CampaignSubmission(kind, first.Nodes, first.TimeLimitMinutes, elements, [.. g.Select(d => d.Cell.Index)], description);
        }).ToList();
        var grid = drafts.Select(d => new CampaignCellPreview(d.Cell.Index, d.Cell.Label, d.Draft.Deployment.Nodes, d.Draft.Deployment.Parameters,
            d.Draft.Deployment.TimeLimitMinutes, NodeHours(d.Draft) * c.Repeats,
            shapes.FindIndex(s => s.Key == Shape(d.Draft)),
            d.Draft.Deployment.Nodes * Math.Max(1, d.Draft.Deployment.GpusPerNode)) { ReadyTimeoutSeconds = d.Draft.ReadyTimeoutSeconds }).ToList();
        var preview = new CampaignPreview(name, cells.Count, c.Repeats, cells.Count * c.Repeats, Math.Round(grid.Sum(g => g.NodeHours), 3),
            c.Throttle,
            submissions, grid);
        return (preview, cells);
    }

    private static double NodeHours(ExperimentPreview draft) =>
        Math.Round(draft.Deployment.Nodes * (draft.Deployment.TimeLimitMinutes ?? draft.Deployment.RecipeTimeLimitMinutes ?? 0) / 60.0, 3);

    private static string Shape(ExperimentPreview draft)
    {
        var d = draft.Deployment;
        return string.Join('|', d.Nodes, d.Tasks, d.GpusPerNode, d.CpusPerTask, d.Memory, d.TimeLimitMinutes, d.Partition, d.Account, d.Qos);
    }

    /// <summary>A cell's problem under the campaign's field: the axis that set the value, else the base experiment's field.</summary>
    private static ValidationFailure Renamed(ValidationFailure f, CampaignAxes axes, CampaignCell cell)
    {
        // FluentValidation names a property as declared (Nodes); the API and the campaign's fields are camel-case.
        var field = f.PropertyName.Length > 0 ? char.ToLowerInvariant(f.PropertyName[0]) + f.PropertyName[1..] : f.PropertyName;
        var renamed = field switch
        {
            "nodes" when cell.Nodes is { } n && axes.Nodes is { } nodes => $"axes.nodes[{nodes.ToList().IndexOf(n)}]",
            _ when field.StartsWith("parameters.", StringComparison.Ordinal) && cell.Parameters.ContainsKey(field["parameters.".Length..])
                => $"axes.{field}",
            _ => $"base.{field}",
        };
        return new ValidationFailure(renamed, $"{cell.Label}: {f.ErrorMessage}");
    }
}
