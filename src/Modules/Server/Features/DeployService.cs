using System.Globalization;
using System.Text.Json;
using Aibench.Contracts.Server;
using Aibench.Server.Jobs;
using Aibench.Server.Lifecycle;
using Aibench.Server.Persistence;
using Aibench.Server.Recipes;
using Aibench.Server.Scheduling;
using FluentValidation;
using FluentValidation.Results;
using Hangfire;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Server.Features;

/// <summary>Deploy a recipe: the scripts are written at once, the submission runs as a background job.</summary>
/// <param name="Recipe">Recipe name.</param>
/// <param name="Nodes">Node count; the recipe's when omitted (replicas and Ray only).</param>
/// <param name="Parameters">Values for the recipe's parameters: strings, numbers or booleans.</param>
public sealed record DeployService(string? Recipe, int? Nodes = null, IReadOnlyDictionary<string, JsonElement>? Parameters = null) : ICommand<DeployedService>;

public sealed record DeployedService(Guid Id, string Status, string RunFolder);

internal sealed class DeployServiceValidator : AbstractValidator<DeployService>
{
    public DeployServiceValidator(ServerSettings settings)
    {
        RuleFor(c => c.Recipe).NotEmpty().Matches(RecipeValidator.NamePattern())
            .WithMessage("'recipe' must be a recipe name: lower-case letters, digits and '-'.");
        RuleFor(c => c.Nodes).InclusiveBetween(1, settings.MaxNodes).When(c => c.Nodes is not null)
            .WithMessage($"'nodes' must be between 1 and {settings.MaxNodes} (Server:MaxNodes).");
        RuleFor(c => c.Parameters).Custom((parameters, context) =>
        {
            foreach (var (name, value) in parameters ?? new Dictionary<string, JsonElement>())
            {
                if (value.ValueKind is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False))
                {
                    context.AddFailure($"parameters.{name}", $"'{name}' must be a string, number or boolean, not {value.ValueKind.ToString().ToLowerInvariant()}.");
                }
            }
        });
    }
}

internal sealed class DeployServiceHandler(
    RecipeCatalog catalog,
    ServerSettings settings,
    IDbContextFactory<ServerDbContext> dbFactory,
    IBackgroundJobClient jobs,
    TimeProvider time) : ICommandHandler<DeployService, DeployedService>
{
    public async ValueTask<DeployedService> Handle(DeployService command, CancellationToken cancellationToken)
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
        var values = Recipes.Parameters.Resolve(recipe, given, errors);
        failures.AddRange(errors.SelectMany(e => e.Value.Select(m => new ValidationFailure(e.Key, m))));
        if (failures.Count > 0)
        {
            throw new ValidationException(failures);
        }

        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now);
        var runFolder = RunFolder.For(settings, id);
        var job = new JobSpec(id, recipe, values, nodes, runFolder,
            recipe.Resources.Account ?? settings.Account, recipe.Resources.Partition ?? settings.Partition, recipe.Resources.Qos ?? settings.Qos)
        {
            AibenchBinary = settings.AibenchBinary,
        };
        var rendered = JobRenderer.Render(job);

        const UnixFileMode owner = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        Directory.CreateDirectory(settings.RunsFolder, owner);
        Directory.CreateDirectory(runFolder, owner);
        try
        {
            // env.sh holds the values, secrets included: readable by the owner only.
            await Write(Path.Combine(runFolder, RenderedJob.EnvFile), rendered.EnvScript, UnixFileMode.UserRead | UnixFileMode.UserWrite, cancellationToken);
            await Write(Path.Combine(runFolder, RenderedJob.BatchFile), rendered.BatchScript, owner, cancellationToken);
            await Write(Path.Combine(runFolder, RenderedJob.TaskFile), rendered.TaskScript, owner, cancellationToken);

            var shown = values.ToDictionary(v => v.Key, v => recipe.Parameters.Single(p => p.Name == v.Key).Secret ? "***" : v.Value);
            var service = new ServiceRecord
            {
                Id = id,
                Recipe = recipe.Name,
                Status = ServiceStatus.Pending,
                Nodes = nodes,
                RunFolder = runFolder,
                CreatedAt = now,
                UpdatedAt = now,
                Deployment = recipe.Deployment.ToString().ToLowerInvariant(),
                JobName = job.JobName,
                Tasks = job.Tasks,
                ExpectedEndpoints = job.ExpectedEndpoints,
                TimeLimit = recipe.Resources.TimeLimit,
                ReadinessPath = recipe.Readiness.Path,
                ReadinessTimeoutSeconds = (int)Math.Ceiling(recipe.Readiness.Timeout.TotalSeconds),
                MetricsPath = recipe.MetricsPath,
                Parameters = JsonSerializer.Serialize(shown),
            };
            service.MoveTo(ServiceStatus.Pending, "accepted", now);
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            db.Services.Add(service);
            await db.SaveChangesAsync(cancellationToken);
        }
        catch
        {
            // Nothing half-written: no run folder without its service.
            Directory.Delete(runFolder, recursive: true);
            throw;
        }

        jobs.Enqueue<SubmitServiceJob>(j => j.RunAsync(id, CancellationToken.None));
        return new DeployedService(id, "pending", runFolder);
    }

    private static async Task Write(string path, string content, UnixFileMode mode, CancellationToken ct)
    {
        await using var stream = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode });
        await using var writer = new StreamWriter(stream);
        await writer.WriteAsync(content.AsMemory(), ct);
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapPost("/services", async Task<Created<DeployedService>> (DeployService command, ISender sender, CancellationToken ct) =>
            {
                var deployed = await sender.Send(command, ct);
                return TypedResults.Created(string.Create(CultureInfo.InvariantCulture, $"/api/v1/services/{deployed.Id}"), deployed);
            })
            .WithName("DeployService")
            .WithSummary("Deploy a recipe: { recipe, nodes?, parameters{} } → 201 with the service id and status.")
            .ProducesValidationProblem();
}
