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

internal sealed class DeployServiceValidator : AbstractValidator<DeployService>
{
    public DeployServiceValidator(ServerSettings settings)
    {
        RuleFor(c => c.Recipe).NotEmpty().Matches(RecipeValidator.NamePattern())
            .WithMessage("'recipe' must be a recipe name: lower-case letters, digits and '-'.");
        RuleFor(c => c.Nodes).InclusiveBetween(1, settings.MaxNodes).When(c => c.Nodes is not null)
            .WithMessage($"'nodes' must be between 1 and {settings.MaxNodes} (Server:MaxNodes).");
        RuleFor(c => c.TimeLimitMinutes).InclusiveBetween(1, 366 * 24 * 60).When(c => c.TimeLimitMinutes is not null)
            .WithMessage("'timeLimitMinutes' must be between 1 and 527040 (a year).");
        RuleFor(c => c.Restart).Custom((restart, context) =>
            RecipeRestart.Check(restart!.Max, restart.Backoff, "restart", (field, message) => context.AddFailure(field, message)))
            .When(c => c.Restart is not null);
        // SLURM's default MaxArraySize is 1001: task indices 0 to 1000.
        RuleFor(c => c.Array!.Size).InclusiveBetween(1, 1001).When(c => c.Array is not null).OverridePropertyName("array.size")
            .WithMessage("'array.size' must be between 1 and 1001 (SLURM's default MaxArraySize).");
        RuleFor(c => c.Array!.Index).Must((c, index) => index >= 0 && index < c.Array!.Size).When(c => c.Array is not null)
            .OverridePropertyName("array.index").WithMessage("'array.index' must be from 0 to array.size - 1.");
        RuleFor(c => c.Array!.Throttle).Must((c, throttle) => throttle >= 1 && throttle <= c.Array!.Size).When(c => c.Array is not null)
            .OverridePropertyName("array.throttle").WithMessage("'array.throttle' must be from 1 to array.size.");
        RuleFor(c => c.Parameters).Custom((parameters, context) =>
        {
            foreach (var (name, value) in parameters ?? new Dictionary<string, JsonElement>())
            {
                if (value.ValueKind is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False))
                {
                    context.AddFailure($"parameters.{name}",
                        $"'{name}' must be a string, number or boolean, not {value.ValueKind.ToString().ToLowerInvariant()}.");
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
        if (command.Id is { } requested)
        {
            // A repeated request with the same id (a retried experiment step) gets the service it created before.
            await using var existing = await dbFactory.CreateDbContextAsync(cancellationToken);
            if (await existing.Services.AsNoTracking().SingleOrDefaultAsync(s => s.Id == requested, cancellationToken) is { } known)
            {
                return new DeployedService(known.Id, known.Status, known.RunFolder ?? "");
            }
        }

        var plan = DeploymentPlan.Make(catalog, command);
        var recipe = plan.Recipe;
        var (nodes, values) = (plan.Nodes, plan.Values);
        var now = time.GetUtcNow();
        var id = command.Id ?? Guid.CreateVersion7(now);
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
            await Write(Path.Combine(runFolder, RenderedJob.EnvFile), rendered.EnvScript, UnixFileMode.UserRead | UnixFileMode.UserWrite,
                cancellationToken);
            await Write(Path.Combine(runFolder, RenderedJob.BatchFile), rendered.BatchScript, owner, cancellationToken);
            await Write(Path.Combine(runFolder, RenderedJob.TaskFile), rendered.TaskScript, owner, cancellationToken);

            var shown = plan.Shown;
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
                ReadinessTimeoutSeconds = plan.ReadinessTimeoutSeconds,
                MetricsPath = recipe.MetricsPath,
                Parameters = JsonSerializer.Serialize(shown),
                RestartMax = plan.Restart.Max,
                RestartBackoffSeconds = (int)Math.Ceiling(plan.Restart.Backoff.TotalSeconds),
                ExperimentId = command.ExperimentId,
                ArrayId = command.Array?.Id,
                ArrayIndex = command.Array?.Index,
                ArraySize = command.Array?.Size,
                ArrayThrottle = command.Array?.Throttle,
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
        return new DeployedService(id, ServiceStatus.Pending, runFolder);
    }

    private static async Task Write(string path, string content, UnixFileMode mode, CancellationToken ct)
    {
        await using var stream = new FileStream(path,
            new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode });
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
            .WithSummary("Deploy a recipe: { recipe, nodes?, parameters{}, timeLimitMinutes?, restart?{max, backoff} } → 201 with the service "
                + "id and status.")
            .ProducesValidationProblem();
}
