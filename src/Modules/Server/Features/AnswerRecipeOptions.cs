using Aibench.Contracts.Server;
using Aibench.Server.Recipes;
using Mediator;

namespace Aibench.Server.Features;

/// <summary>Answers the Contracts query for the recipes other modules' forms offer (the experiment start form).</summary>
internal sealed class AnswerRecipeOptions(RecipeCatalog catalog, ServerSettings settings) : IQueryHandler<ListRecipeOptions, RecipeOptions>
{
    public ValueTask<RecipeOptions> Handle(ListRecipeOptions query, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new RecipeOptions(
            [.. catalog.All.Select(r => new RecipeOption(
                r.Name, r.Description, r.Deployment.ToString().ToLowerInvariant(), r.Resources.Nodes, r.Resources.GpusPerNode,
                    r.Resources.CpusPerTask,
                r.Resources.Partition ?? settings.Partition,
                [.. r.Parameters.Select(p => new RecipeParameterOption(
                    p.Name, p.Type.ToString().ToLowerInvariant(), p.Secret ? null : p.Default, p.Min, p.Max, p.Values, p.Description, p.Required,
                        p.Secret))]))],
            settings.MaxNodes));
}
