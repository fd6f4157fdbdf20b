using System.Text.Json;
using Aibench.Client.Jobs;
using Aibench.Client.LoadGen;
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

/// <summary>One benchmark run with its spec, its results once it has them, and its live progress while it runs.</summary>
public sealed record GetBenchmark(Guid Id) : IQuery<BenchmarkDetail>;

public sealed record BenchmarkDetail(
    BenchmarkSummary Run,
    BenchmarkSpec Spec,
    string? Dataset,
    RunSummary? Summary,
    BenchmarkProgressed? Progress);

internal sealed class GetBenchmarkHandler(IDbContextFactory<ClientDbContext> dbFactory, ActiveBenchmarks active) : IQueryHandler<GetBenchmark,
    BenchmarkDetail>
{
    public async ValueTask<BenchmarkDetail> Handle(GetBenchmark query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = await db.Benchmarks.AsNoTracking().Where(r => r.Id == query.Id)
            .Select(r => new { Run = r, r.Spec, r.Summary, r.Dataset })
            .SingleOrDefaultAsync(cancellationToken)
            ?? throw new NotFoundException("Benchmark", query.Id.ToString());
        return new BenchmarkDetail(
            BenchmarkSummary.Of(row.Run),
            JsonSerializer.Deserialize<BenchmarkSpec>(row.Spec, Json.Options)!,
            row.Dataset,
            row.Summary is null ? null : JsonSerializer.Deserialize<RunSummary>(row.Summary, Json.Options),
            active.Progress(query.Id));
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/benchmarks/{id:guid}", async Task<Ok<BenchmarkDetail>> (Guid id, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new GetBenchmark(id), ct)))
            .WithName("GetBenchmark")
            .WithSummary("A benchmark run: spec, status, summary with every metric and its definition, live progress while running.")
            .ProducesProblem(StatusCodes.Status404NotFound);
}
