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
