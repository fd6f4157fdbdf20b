using Aibench.Client.Persistence;
using Aibench.Contracts;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Client.Features;

/// <summary>Benchmark runs, newest first, optionally those of one experiment.</summary>
public sealed record ListBenchmarks(Guid? Experiment = null, int Limit = 100) : IQuery<IReadOnlyList<BenchmarkSummary>>;

/// <summary>A run with its headline numbers (null until it has them).</summary>
public sealed record BenchmarkSummary(
    Guid Id,
    string Name,
    string Status,
    string Target,
    Guid? ServiceId,
    Guid? ExperimentId,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string? Model,
    long? Completed,
    long? Failed,
    double? RequestThroughput,
    double? OutputTokenThroughput,
    double? TtftP50Ms,
    double? TtftP99Ms,
    double? E2eP50Ms,
    string? Error)
{
    internal static readonly System.Linq.Expressions.Expression<Func<BenchmarkRun, BenchmarkSummary>> FromRun = r => new BenchmarkSummary(
        r.Id, r.Name, r.Status.WireName(), r.Target, r.ServiceId, r.ExperimentId, r.CreatedAt, r.StartedAt, r.FinishedAt, r.Model,
        r.Completed, r.Failed, r.RequestThroughput, r.OutputTokenThroughput, r.TtftP50Ms, r.TtftP99Ms, r.E2eP50Ms, r.Error);

    internal static readonly Func<BenchmarkRun, BenchmarkSummary> Of = FromRun.Compile();
}

internal sealed class ListBenchmarksValidator : AbstractValidator<ListBenchmarks>
{
    public ListBenchmarksValidator() => RuleFor(q => q.Limit).InclusiveBetween(1, 1000);
}

internal sealed class ListBenchmarksHandler(IDbContextFactory<ClientDbContext> dbFactory)
    : IQueryHandler<ListBenchmarks, IReadOnlyList<BenchmarkSummary>>
{
    public async ValueTask<IReadOnlyList<BenchmarkSummary>> Handle(ListBenchmarks query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var runs = db.Benchmarks.AsNoTracking();
        if (query.Experiment is { } experiment)
        {
            runs = runs.Where(r => r.ExperimentId == experiment);
        }

        return await runs.OrderByDescending(r => r.CreatedAt).Take(query.Limit).Select(BenchmarkSummary.FromRun).ToListAsync(cancellationToken);
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/benchmarks", async Task<Ok<IReadOnlyList<BenchmarkSummary>>> (
                Guid? experiment, int? limit, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new ListBenchmarks(experiment, limit ?? 100), ct)))
            .WithName("ListBenchmarks")
            .WithSummary("List benchmark runs with their headline numbers, newest first; ?experiment= narrows to one experiment.")
            .ProducesValidationProblem();
}
