using Aibench.Server.Recipes;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Aibench.Server.Features;

/// <summary>The recipes that can be deployed, and the files that could not be loaded (with their errors).</summary>
public sealed record ListRecipes : IQuery<RecipeList>;

public sealed record RecipeList(IReadOnlyList<RecipeSummary> Recipes, IReadOnlyList<RecipeFileError> Invalid);

public sealed record RecipeSummary(string Name, string Category, string Description, string Deployment, int Nodes, int GpusPerNode, string? Image);

public sealed record RecipeFileError(string File, IReadOnlyList<string> Errors);

internal sealed class ListRecipesHandler(RecipeCatalog catalog) : IQueryHandler<ListRecipes, RecipeList>
{
    public ValueTask<RecipeList> Handle(ListRecipes query, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new RecipeList(
            [.. catalog.All.Select(r => new RecipeSummary(r.Name, r.Category, r.Description, r.Deployment.ToString().ToLowerInvariant(),
                r.Resources.Nodes, r.Resources.GpusPerNode, r.Image))],
            [.. catalog.Errors.Select(e => new RecipeFileError(e.File, [.. e.Errors.Select(x => x.ToString())]))]));

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/recipes", async Task<Ok<RecipeList>> (ISender sender, CancellationToken ct)
            => TypedResults.Ok(await sender.Send(new ListRecipes(), ct)))
            .WithName("ListRecipes")
            .WithSummary("Recipes that can be deployed (shipped and from the user's folder), and files that failed to load.");
}
