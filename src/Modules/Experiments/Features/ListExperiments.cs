using Aibench.Experiments.Persistence;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Experiments.Features;

/// <summary>Experiments, newest first.</summary>
public sealed record ListExperiments(int Limit = 100) : IQuery<IReadOnlyList<ExperimentSummary>>;

public sealed record ExperimentSummary(
    Guid Id,
    string Name,
    string Recipe,
    int Nodes,
    string TestType,
    int DurationSeconds,
    string Stage,
    string? Reason,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

internal sealed class ListExperimentsValidator : AbstractValidator<ListExperiments>
{
    public ListExperimentsValidator() => RuleFor(q => q.Limit).InclusiveBetween(1, 1000);
}

internal sealed class ListExperimentsHandler(IDbContextFactory<ExperimentsDbContext> dbFactory)
    : IQueryHandler<ListExperiments, IReadOnlyList<ExperimentSummary>>
{
    public async ValueTask<IReadOnlyList<ExperimentSummary>> Handle(ListExperiments query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Experiments.AsNoTracking().OrderByDescending(e => e.CreatedAt).Take(query.Limit)
            .Select(e => new ExperimentSummary(e.Id, e.Name, e.Recipe, e.Nodes, e.TestType, e.DurationSeconds, e.Stage, e.Reason, e.CreatedAt, e.UpdatedAt))
            .ToListAsync(cancellationToken);
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/experiments", async Task<Ok<IReadOnlyList<ExperimentSummary>>> (int? limit, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new ListExperiments(limit ?? 100), ct)))
            .WithName("ListExperiments")
            .WithSummary("List experiments, newest first.")
            .ProducesValidationProblem();
}
