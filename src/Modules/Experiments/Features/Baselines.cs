using Aibench.Contracts.Client;
using Aibench.Contracts.Experiments;
using Aibench.Experiments.Jobs;
using Aibench.Experiments.Persistence;
using Aibench.Experiments.Planning;
using Aibench.Shared.References;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Experiments.Features;

/// <summary>
/// The baseline of references given without a value: the last experiment of the same recipe, nodes, parameter values
/// and test type that completed whole and passed its SLO and its own references. Looked up once, at creation.
/// </summary>
internal static class Baselines
{
    /// <summary>Completed experiments looked at, newest first, before a baseline is given up for.</summary>
    private const int Candidates = 200;

    public static async Task<ExperimentReferences> ResolveAsync(ExperimentsDbContext db, IReadOnlyDictionary<string, ReferenceBound> bounds,
        ExperimentPreview draft, CancellationToken ct)
    {
        if (bounds.Values.All(b => b.Value is not null))
        {
            return new ExperimentReferences(bounds);
        }

        var parameters = ExperimentDrafter.ParametersJson(draft);
        var candidates = await db.Experiments.AsNoTracking()
            .Where(e => e.Recipe == draft.Deployment.Recipe && e.Nodes == draft.Deployment.Nodes && e.TestType == draft.TestType
                && e.Status == ExperimentStatus.Completed && e.Result != null)
            .OrderByDescending(e => e.FinishedAt)
            .Select(e => new { e.Id, e.Parameters, e.Result })
            .Take(Candidates)
            .ToListAsync(ct);
        foreach (var candidate in candidates.Where(c => c.Parameters == parameters))
        {
            var result = ExperimentWorkflow.FromJson<ExperimentResult>(candidate.Result!);
            if (!result.Partial && result.Slo?.Passed != false && result.References?.Passed != false)
            {
                return new ExperimentReferences(bounds, candidate.Id,
                    ReferenceJudge.FiguresOf(result.Overall, result.Capacity?.RequestRate ?? result.Capacity?.Rate));
            }
        }

        return new ExperimentReferences(bounds);
    }
}
