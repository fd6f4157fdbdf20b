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

internal sealed class PreviewDeploymentValidator(DeployServiceValidator deployment)
    : WrapperValidator<PreviewDeployment, DeployService>(deployment, q => q.Deployment);

internal sealed class PreviewDeploymentHandler(RecipeCatalog catalog, ServerSettings settings) : IQueryHandler<PreviewDeployment, DeploymentPreview>
{
    public ValueTask<DeploymentPreview> Handle(PreviewDeployment query, CancellationToken cancellationToken)
    {
        var plan = DeploymentPlan.Make(catalog, query.Deployment);
        var (r, res) = (plan.Recipe, plan.Recipe.Resources);
        return ValueTask.FromResult(new DeploymentPreview(
            r.Name, r.Deployment.ToString().ToLowerInvariant(), plan.Nodes,
            r.Deployment == DeploymentMode.Single ? 1 : plan.Nodes,
            r.Deployment == DeploymentMode.Replicas ? plan.Nodes : 1,
            res.GpusPerNode, res.CpusPerTask, res.Memory, res.TimeLimit, SlurmTime.Minutes(res.TimeLimit), plan.RecipeTimeLimitMinutes,
            res.Partition ?? settings.Partition, res.Account ?? settings.Account, res.Qos ?? settings.Qos,
            plan.ReadinessTimeoutSeconds, plan.Shown, plan.Restart.Max, (int)Math.Ceiling(plan.Restart.Backoff.TotalSeconds)));
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapPost("/services/preview", async Task<Ok<DeploymentPreview>> (DeployService command, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new PreviewDeployment(command), ct)))
            .WithName("PreviewDeployment")
            .WithSummary("What a deployment would ask the scheduler for (nodes, tasks, GPUs, time limit, parameters), checked but not submitted.")
            .ProducesValidationProblem();
}

/// <summary>A deploy request checked against its recipe: what both the deployment and its preview are made from.</summary>
internal sealed record DeploymentPlan(Recipe Recipe, int Nodes, IReadOnlyDictionary<string, string> Values, int? RecipeTimeLimitMinutes)
{
    public int ReadinessTimeoutSeconds => (int)Math.Ceiling(Recipe.Readiness.Timeout.TotalSeconds);

    /// <summary>The request's restart policy, else the recipe's (none for plain services unless one of them says so).</summary>
    public RecipeRestart Restart { get; init; } = Recipe.Restart;

    /// <summary>The values as people may see them: secret ones masked.</summary>
    public Dictionary<string, string> Shown => Values.ToDictionary(v => v.Key, v => Recipe.Parameters.Single(p => p.Name == v.Key).Secret ? "***" : v.Value);

    /// <summary>Checks the request against the recipe; every problem is a validation error naming its field.</summary>
    public static DeploymentPlan Make(RecipeCatalog catalog, DeployService command)
    {
        var recipe = catalog.Find(command.Recipe!)
            ?? throw new ValidationException([new ValidationFailure("recipe", $"There is no recipe '{command.Recipe}'; see GET /api/v1/recipes.")]);
        var nodes = command.Nodes ?? recipe.Resources.Nodes;
        var failures = new List<ValidationFailure>();
        if (recipe.Deployment == DeploymentMode.Single && nodes != recipe.Resources.Nodes)
        {
            failures.Add(new ValidationFailure("nodes", $"Recipe '{recipe.Name}' deploys a single instance on {recipe.Resources.Nodes} node(s); use a replicas or ray recipe for more."));
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

/// <summary>SLURM's time formats (<c>MM</c>, <c>MM:SS</c>, <c>HH:MM:SS</c>, <c>D-HH</c>, <c>D-HH:MM</c>, <c>D-HH:MM:SS</c>).</summary>
internal static class SlurmTime
{
    /// <summary>Whole minutes (seconds rounded up), or null for no limit or a form SLURM would not read.</summary>
    public static int? Minutes(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        var days = 0;
        var rest = text;
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash >= 0)
        {
            if (!int.TryParse(text[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out days)) return null;
            rest = text[(dash + 1)..];
        }

        var parts = rest.Split(':');
        if (parts.Length > 3 || parts.Any(p => !int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _))) return null;
        var n = parts.Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        var seconds = (dash >= 0, n.Length) switch
        {
            (false, 1) => n[0] * 60,
            (false, 2) => (n[0] * 60) + n[1],
            (false, _) => (n[0] * 3600) + (n[1] * 60) + n[2],
            (true, 1) => n[0] * 3600,
            (true, 2) => (n[0] * 3600) + (n[1] * 60),
            (true, _) => (n[0] * 3600) + (n[1] * 60) + n[2],
        };
        return (days * 1440) + (int)Math.Ceiling(seconds / 60.0);
    }
}
