using Mediator;

namespace Aibench.Contracts.Server;

/// <summary>
/// Asks the Server module what a service was deployed with, for reports: the scheduler directives of the batch script
/// it submitted (partition, account, GPUs, time limit…), the script's hash, the recipe's image and the hash of the
/// recipe file. Answers <c>null</c> for an unknown service.
/// </summary>
/// <param name="ServiceId">The service.</param>
public sealed record GetServiceDeployment(Guid ServiceId) : IQuery<ServiceDeploymentFacts?>;

/// <summary>What a service was deployed with.</summary>
/// <param name="Recipe">The recipe's name.</param>
/// <param name="Image">The recipe's container image, when it names one.</param>
/// <param name="RecipeSha256">SHA-256 of the recipe file as it reads now (it may have changed since); null when the recipe is gone.</param>
/// <param name="RecipeSource">Where that recipe file is.</param>
/// <param name="Directives">The submitted script's <c>#SBATCH</c> options, in order (e.g. <c>--partition=gpu</c>); empty before submission.</param>
/// <param name="ScriptSha256">SHA-256 of the submitted batch script; null before submission.</param>
/// <param name="Parameters">The parameter values the job got, secret ones as <c>***</c>.</param>
/// <param name="Scheduler">The scheduler it went to (<c>slurm</c>, <c>slurm-rest</c>, <c>local</c>).</param>
public sealed record ServiceDeploymentFacts(
    string Recipe,
    string? Image,
    string? RecipeSha256,
    string? RecipeSource,
    IReadOnlyList<string> Directives,
    string? ScriptSha256,
    IReadOnlyDictionary<string, string> Parameters,
    string? Scheduler);
