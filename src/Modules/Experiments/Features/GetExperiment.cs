using Aibench.Contracts.Server;
using Aibench.Experiments.Persistence;
using Aibench.Shared.Api;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Experiments.Features;

/// <summary>One experiment, with the state of its service as the Server module reports it.</summary>
public sealed record GetExperiment(Guid Id) : IQuery<ExperimentDetail>;

public sealed record ExperimentDetail(ExperimentSummary Experiment, Guid? ServiceId, ServiceStatusInfo? Service, Guid? BenchmarkId);

internal sealed class GetExperimentHandler(IDbContextFactory<ExperimentsDbContext> dbFactory, ISender sender)
    : IQueryHandler<GetExperiment, ExperimentDetail>
{
    public async ValueTask<ExperimentDetail> Handle(GetExperiment query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var e = await db.Experiments.AsNoTracking().SingleOrDefaultAsync(x => x.Id == query.Id, cancellationToken)
            ?? throw new NotFoundException("Experiment", query.Id.ToString());

        // The service belongs to the Server module: its state comes through Contracts, never its tables.
        var service = e.ServiceId is { } serviceId ? await sender.Send(new GetServiceStatus(serviceId), cancellationToken) : null;
        return new ExperimentDetail(
            new ExperimentSummary(e.Id, e.Name, e.Recipe, e.Nodes, e.TestType, e.DurationSeconds, e.Stage, e.Reason, e.CreatedAt, e.UpdatedAt),
            e.ServiceId, service, e.BenchmarkId);
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/experiments/{id:guid}", async Task<Ok<ExperimentDetail>> (Guid id, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new GetExperiment(id), ct)))
            .WithName("GetExperiment")
            .WithSummary("An experiment: stage, its service's state, its benchmark.")
            .ProducesProblem(StatusCodes.Status404NotFound);
}
