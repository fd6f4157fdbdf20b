using System.Globalization;
using System.Text.Json;
using Aibench.Contracts.Server;
using Aibench.Server.Lifecycle;
using Aibench.Server.Recipes;
using Aibench.Shared.Validation;
using FluentValidation;
using FluentValidation.Results;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Aibench.Server.Features;

/// <summary>A deploy request checked against its recipe: what both the deployment and its preview are made from.</summary>
internal sealed record DeploymentPlan(Recipe Recipe, int Nodes, IReadOnlyDictionary<string, string> Values, int? RecipeTimeLimitMinutes)
{
    public int ReadinessTimeoutSeconds => (int)Math.Ceiling(Recipe.Readiness.Timeout.TotalSeconds);

    /// <summary>The request's restart policy, else the recipe's (none for plain services unless one of them says so).</summary>
    public RecipeRestart Restart { get; init; } = Recipe.Restart;

    /// <summary>The values as people may see them: secret ones masked.</summary>
    public Dictionary<string, string> Shown => Values.ToDictionary(v => v.Key, v => Recipe.Parameters.Single(p => p.Name == v.Key).Secret ? "***"
        : v.Value);

    /// <summary>Checks the request against the recipe; every problem is a validation error naming its field.</summary>
    public static DeploymentPlan Make(RecipeCatalog catalog, DeployService command)
    {
        var recipe = catalog.Find(command.Recipe!)
            ?? throw new ValidationException([new ValidationFailure("recipe", $"There is no recipe '{command.Recipe}'; see GET /api/v1/recipes.")]);
        var nodes = command.Nodes ?? recipe.Resources.Nodes;
        var failures = new List<ValidationFailure>();
        if (recipe.Deployment == DeploymentMode.Single && nodes != recipe.Resources.Nodes)
        {
            failures.Add(new ValidationFailure("nodes",
                $"Recipe '{recipe.Name}' deploys a single instance on {recipe.Resources.Nodes} node(s); use a replicas or ray recipe for more."));
        }

        if (recipe.Deployment == DeploymentMode.Ray && nodes < 2)
        {
            failures.Add(new ValidationFailure("nodes", $"Recipe '{recipe.Name}' runs Ray across nodes: 'nodes' must be at least 2."));
        }

        var given = command.Parameters?.ToDictionary(p => p.Key, p => (string?)(p.Value.ValueKind switch
        {
            JsonValueKind.String => p.Value.GetString(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => p.Value.GetRawText(),
        }));
        var errors = new Dictionary<string, List<string>>();
        var values = Parameters.Resolve(recipe, given, errors);
        failures.AddRange(errors.SelectMany(e => e.Value.Select(m => new ValidationFailure(e.Key, m))));
        if (failures.Count > 0)
        {
            throw new ValidationException(failures);
        }

        var recipeMinutes = SlurmTime.Minutes(recipe.Resources.TimeLimit);
        if (command.TimeLimitMinutes is { } minutes)
        {
            recipe = recipe with { Resources = recipe.Resources with { TimeLimit = minutes.ToString(CultureInfo.InvariantCulture) } };
        }

        var restart = command.Restart is { } asked
            ? new RecipeRestart(asked.Max, Shared.Text.Duration.TryParse(asked.Backoff, out var wait) ? wait : RecipeRestart.DefaultBackoff)
            : recipe.Restart;
        return new DeploymentPlan(recipe, nodes, values, recipeMinutes) { Restart = restart };
    }
}
