using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Aibench.Contracts.Server;
using Aibench.Server.Persistence;
using Aibench.Server.Recipes;
using Aibench.Server.Scheduling;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Server.Features;

/// <summary>
/// Answers the Contracts query for what a service was deployed with (reports show it): the directives of the batch
/// script in its run folder, as submitted, and the recipe it came from.
/// </summary>
internal sealed class AnswerServiceDeployment(IDbContextFactory<ServerDbContext> dbFactory, RecipeCatalog catalog)
    : IQueryHandler<GetServiceDeployment, ServiceDeploymentFacts?>
{
    public async ValueTask<ServiceDeploymentFacts?> Handle(GetServiceDeployment query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var service = await db.Services.AsNoTracking().Where(s => s.Id == query.ServiceId)
            .Select(s => new { s.Recipe, s.RunFolder, s.Parameters, s.Scheduler }).SingleOrDefaultAsync(cancellationToken);
        if (service is null) return null;

        var script = service.RunFolder is { } folder && File.Exists(Path.Combine(folder, RenderedJob.BatchFile))
            ? await File.ReadAllTextAsync(Path.Combine(folder, RenderedJob.BatchFile), cancellationToken)
            : null;
        var recipe = catalog.Find(service.Recipe);
        var parameters = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(service.Parameters) ?? [];
        return new ServiceDeploymentFacts(
            service.Recipe,
            recipe?.Image,
            recipe is null ? null : Sha256(recipe.Yaml),
            recipe?.Source,
            script is null ? [] : [.. script.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("#SBATCH ", StringComparison.Ordinal))
                .Select(l => l["#SBATCH ".Length..].Trim())],
            script is null ? null : Sha256(script),
            parameters.ToDictionary(p => p.Key, p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText()),
            service.Scheduler);
    }

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
