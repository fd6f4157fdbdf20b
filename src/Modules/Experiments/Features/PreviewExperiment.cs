using Aibench.Experiments.Planning;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Aibench.Experiments.Features;

/// <summary>What <see cref="CreateExperiment"/> would submit and run (resources, time limit, load spec), checked the same way, without starting anything.</summary>
/// <param name="Experiment">The experiment as it would be created.</param>
public sealed record PreviewExperiment(CreateExperiment Experiment) : IQuery<ExperimentPreview>;

internal sealed class PreviewExperimentValidator : AbstractValidator<PreviewExperiment>
{
    public PreviewExperimentValidator(CreateExperimentValidator experiment)
    {
        RuleFor(q => q.Experiment).NotNull().OverridePropertyName("body");
        // The experiment's own field names (recipe, load.rate): the body is the experiment.
        RuleFor(q => q).Custom((q, context) =>
        {
            if (q.Experiment is null) return;
            foreach (var failure in experiment.Validate(q.Experiment).Errors) context.AddFailure(failure);
        });
    }
}

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
