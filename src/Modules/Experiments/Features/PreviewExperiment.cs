using Aibench.Experiments.Planning;
using Aibench.Shared.Validation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Aibench.Experiments.Features;

/// <summary>What <see cref="CreateExperiment"/> would submit and run (resources, time limit, load spec), checked the same way, without starting
/// anything.</summary>
/// <param name="Experiment">The experiment as it would be created.</param>
public sealed record PreviewExperiment(CreateExperiment Experiment) : IQuery<ExperimentPreview>;

internal sealed class PreviewExperimentValidator(CreateExperimentValidator experiment)
    : WrapperValidator<PreviewExperiment, CreateExperiment>(experiment, q => q.Experiment);

internal sealed class PreviewExperimentHandler(ExperimentDrafter drafter) : IQueryHandler<PreviewExperiment, ExperimentPreview>
{
    public async ValueTask<ExperimentPreview> Handle(PreviewExperiment query, CancellationToken cancellationToken) =>
        await drafter.DraftAsync(query.Experiment, cancellationToken);

    public static void Map(RouteGroupBuilder api) =>
        api.MapPost("/experiments/preview", async Task<Ok<ExperimentPreview>> (CreateExperiment command, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new PreviewExperiment(command), ct)))
            .WithName("PreviewExperiment")
            .WithSummary("What an experiment would submit (nodes, GPUs, time limit, parameters) and run (the load spec), checked but not started.")
            .ProducesValidationProblem();
}
