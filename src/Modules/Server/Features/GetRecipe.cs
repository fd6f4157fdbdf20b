using Aibench.Server.Recipes;
using Aibench.Shared.Api;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Aibench.Server.Features;

/// <summary>One recipe with its parameter schema (what the deploy form is built from) and its YAML.</summary>
public sealed record GetRecipe(string Name) : IQuery<RecipeDetail>;

public sealed record RecipeDetail(
    string Name,
    string Category,
    string Description,
    string Deployment,
    string? Image,
    IReadOnlyList<string> Command,
    RecipeResourcesView Resources,
    string ReadinessPath,
    string? MetricsPath,
    IReadOnlyList<RecipeParameterView> Parameters,
    string Yaml);

public sealed record RecipeResourcesView(int Nodes, int GpusPerNode, int CpusPerTask, string? Memory, string? TimeLimit, string? Partition,
    string? Account, string? Qos, string? Constraint);

public sealed record RecipeParameterView(string Name, string Type, string? Default, double? Min, double? Max, IReadOnlyList<string> Values,
    string Description, bool Required, bool Secret);

internal sealed class GetRecipeValidator : AbstractValidator<GetRecipe>
{
    public GetRecipeValidator() => RuleFor(q => q.Name).Matches(RecipeValidator.NamePattern())
        .WithMessage("'name' must be a recipe name: lower-case letters, digits and '-'.");
}

internal sealed class GetRecipeHandler(RecipeCatalog catalog) : IQueryHandler<GetRecipe, RecipeDetail>
{
    public ValueTask<RecipeDetail> Handle(GetRecipe query, CancellationToken cancellationToken)
    {
        var r = catalog.Find(query.Name) ?? throw new NotFoundException("Recipe", query.Name);
        var res = r.Resources;
        return ValueTask.FromResult(new RecipeDetail(
            r.Name, r.Category, r.Description, r.Deployment.ToString().ToLowerInvariant(), r.Image, r.Command,
            new RecipeResourcesView(res.Nodes, res.GpusPerNode, res.CpusPerTask, res.Memory, res.TimeLimit, res.Partition, res.Account, res.Qos,
                res.Constraint),
            r.Readiness.Path, r.MetricsPath,
            [.. r.Parameters.Select(p => new RecipeParameterView(p.Name, p.Type.ToString().ToLowerInvariant(), p.Secret ? null : p.Default, p.Min,
                p.Max, p.Values, p.Description, p.Required, p.Secret))],
            r.Yaml));
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/recipes/{name}", async Task<Ok<RecipeDetail>> (string name, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new GetRecipe(name), ct)))
            .WithName("GetRecipe")
            .WithSummary("A recipe with its parameter schema and YAML.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesValidationProblem();
}
