using Aibench.Experiments.Persistence;
using Aibench.Shared.Api;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Experiments.Features;

/// <summary>Gives an experiment another name (at any stage); only the label changes, nothing it ran or measured.</summary>
/// <param name="Id">The experiment.</param>
/// <param name="Name">The new name: 1 to 256 characters, no control characters; spaces around it are dropped.</param>
public sealed record RenameExperiment(Guid Id, string? Name) : ICommand<ExperimentSummary>;

/// <summary>The body of <c>PATCH /api/v1/experiments/{id}</c>.</summary>
public sealed record RenameExperimentBody(string? Name);

internal sealed class RenameExperimentValidator : AbstractValidator<RenameExperiment>
{
    public RenameExperimentValidator() =>
        RuleFor(c => c.Name).Must(n => n?.Trim() is { Length: > 0 and <= 256 } t && !t.Any(char.IsControl))
            .WithMessage("'name' must be 1 to 256 characters without control characters.").OverridePropertyName("name");
}

internal sealed class RenameExperimentHandler(IDbContextFactory<ExperimentsDbContext> dbFactory, TimeProvider time)
    : ICommandHandler<RenameExperiment, ExperimentSummary>
{
    public async ValueTask<ExperimentSummary> Handle(RenameExperiment command, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var e = await db.Experiments.SingleOrDefaultAsync(x => x.Id == command.Id, cancellationToken)
            ?? throw new NotFoundException("Experiment", command.Id.ToString());
        e.Name = command.Name!.Trim();
        e.UpdatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        return ExperimentSummary.Of(e);
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapPatch("/experiments/{id:guid}", async Task<Ok<ExperimentSummary>> (Guid id, RenameExperimentBody body, ISender sender,
                CancellationToken ct) => TypedResults.Ok(await sender.Send(new RenameExperiment(id, body.Name), ct)))
            .WithName("RenameExperiment")
            .WithSummary("Rename an experiment: {\"name\": \"...\"}; only its label changes.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
}
