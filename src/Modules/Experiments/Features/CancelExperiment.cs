using Aibench.Contracts.Experiments;
using Aibench.Experiments.Jobs;
using Aibench.Experiments.Persistence;
using Aibench.Shared.Api;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Experiments.Features;

/// <summary>
/// Cancel an experiment at any stage: the load and the service (its SLURM job) are stopped, what was measured is kept,
/// and it ends as <c>cancelled</c> once the load run has written its partial result. Idempotent: an experiment that
/// already ended is answered as it is.
/// </summary>
public sealed record CancelExperiment(Guid Id) : ICommand<ExperimentSummary>;

internal sealed class CancelExperimentHandler(IDbContextFactory<ExperimentsDbContext> dbFactory, ExperimentWorkflow workflow, TimeProvider time)
    : ICommandHandler<CancelExperiment, ExperimentSummary>
{
    public async ValueTask<ExperimentSummary> Handle(CancelExperiment command, CancellationToken cancellationToken)
    {
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            var e = await db.Experiments.SingleOrDefaultAsync(x => x.Id == command.Id, cancellationToken)
                ?? throw new NotFoundException("Experiment", command.Id.ToString());
            if (e.Status != ExperimentStatus.Running || e.CancelRequested)
            {
                return ExperimentSummary.Of(e);
            }

            e.CancelRequested = true;
            e.UpdatedAt = time.GetUtcNow();
            await db.SaveChangesAsync(cancellationToken);
        }

        // The load and the job are stopped now, not at the next poll; the end state follows once the run has written.
        await workflow.AdvanceAsync(command.Id, cancellationToken);
        await using var again = await dbFactory.CreateDbContextAsync(cancellationToken);
        return ExperimentSummary.Of(await again.Experiments.AsNoTracking().SingleAsync(x => x.Id == command.Id, cancellationToken));
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapDelete("/experiments/{id:guid}", async Task<Accepted<ExperimentSummary>> (Guid id, ISender sender, CancellationToken ct) =>
                TypedResults.Accepted($"/api/v1/experiments/{id}", await sender.Send(new CancelExperiment(id), ct)))
            .WithName("CancelExperiment")
            .WithSummary("Cancel an experiment: stops the load and the service, keeps what was measured; 202, idempotent.")
            .ProducesProblem(StatusCodes.Status404NotFound);
}
