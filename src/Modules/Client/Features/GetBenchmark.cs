using Aibench.Client.Persistence;
using Aibench.Shared.Api;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Client.Features;

/// <summary>One benchmark run.</summary>
public sealed record GetBenchmark(Guid Id) : IQuery<BenchmarkSummary>;

internal sealed class GetBenchmarkHandler(IDbContextFactory<ClientDbContext> dbFactory) : IQueryHandler<GetBenchmark, BenchmarkSummary>
{
    public async ValueTask<BenchmarkSummary> Handle(GetBenchmark query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Benchmarks.AsNoTracking().Where(r => r.Id == query.Id)
            .Select(r => new BenchmarkSummary(r.Id, r.Name, r.Status, r.Target, r.ServiceId, r.ExperimentId, r.CreatedAt, r.StartedAt, r.FinishedAt))
            .SingleOrDefaultAsync(cancellationToken)
            ?? throw new NotFoundException("Benchmark", query.Id.ToString());
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/benchmarks/{id:guid}", async Task<Ok<BenchmarkSummary>> (Guid id, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new GetBenchmark(id), ct)))
            .WithName("GetBenchmark")
            .WithSummary("A benchmark run: status, target and timestamps.")
            .ProducesProblem(StatusCodes.Status404NotFound);
}
