using Aibench.Client.Jobs;
using Aibench.Client.Persistence;
using Aibench.Contracts.Client;
using Aibench.Shared.Api;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Client.Features;

internal sealed class CancelBenchmarkHandler(
    IDbContextFactory<ClientDbContext> dbFactory,
    ActiveBenchmarks active,
    IPublisher publisher,
    TimeProvider time) : ICommandHandler<CancelBenchmark, BenchmarkRef>
{
    public async ValueTask<BenchmarkRef> Handle(CancelBenchmark command, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var run = await db.Benchmarks.SingleOrDefaultAsync(r => r.Id == command.BenchmarkId, cancellationToken)
            ?? throw new NotFoundException("Benchmark", command.BenchmarkId.ToString());
        switch (run.Status)
        {
            case BenchmarkStatus.Pending:
                // The job finds it no longer pending and does nothing.
                run.Status = BenchmarkStatus.Cancelled;
                run.CancelRequested = true;
                run.FinishedAt = time.GetUtcNow();
                await db.SaveChangesAsync(cancellationToken);
                await publisher.Publish(new BenchmarkFinished(run.Id, run.ExperimentId, run.Status, null), cancellationToken);
                break;
            case BenchmarkStatus.Running:
                run.CancelRequested = true;
                await db.SaveChangesAsync(cancellationToken);
                active.Cancel(run.Id);
                break;
        }

        return new BenchmarkRef(run.Id, run.Status);
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapPost("/benchmarks/{id:guid}/cancel", async Task<Accepted<BenchmarkRef>> (Guid id, ISender sender, CancellationToken ct) =>
                TypedResults.Accepted($"/api/v1/benchmarks/{id}", await sender.Send(new CancelBenchmark(id), ct)))
            .WithName("CancelBenchmark")
            .WithSummary("Stop a run; what it measured so far is kept and marked partial. 202, idempotent.")
            .ProducesProblem(StatusCodes.Status404NotFound);
}
