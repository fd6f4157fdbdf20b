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
        var id = command.BenchmarkId;
        // A pending run is cancelled in one statement, so that it never races its job's claim (which finds it no longer
        // pending and does nothing); one that the job claimed first is cancelled as a running one.
        var now = (DateTimeOffset?)time.GetUtcNow();
        if (await db.Benchmarks.Where(r => r.Id == id && r.Status == BenchmarkStatus.Pending).ExecuteUpdateAsync(u => u
                .SetProperty(r => r.Status, BenchmarkStatus.Cancelled).SetProperty(r => r.CancelRequested, true)
                .SetProperty(r => r.FinishedAt, now), cancellationToken) == 1)
        {
            var experiment = await db.Benchmarks.Where(r => r.Id == id).Select(r => r.ExperimentId).SingleAsync(cancellationToken);
            await publisher.Publish(new BenchmarkFinished(id, experiment, BenchmarkStatus.Cancelled, null), cancellationToken);
            return new BenchmarkRef(id, BenchmarkStatus.Cancelled);
        }

        var run = await db.Benchmarks.SingleOrDefaultAsync(r => r.Id == id, cancellationToken)
            ?? throw new NotFoundException("Benchmark", id.ToString());
        switch (run.Status)
        {
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
