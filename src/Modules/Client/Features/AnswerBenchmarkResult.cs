using System.Text.Json;
using Aibench.Client.LoadGen;
using Aibench.Client.Persistence;
using Aibench.Contracts.Client;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Client.Features;

/// <summary>Answers the Contracts query for what a run measured (the Experiments module summarises and judges it).</summary>
internal sealed class AnswerBenchmarkResult(IDbContextFactory<ClientDbContext> dbFactory) : IQueryHandler<GetBenchmarkResult, BenchmarkResult?>
{
    public async ValueTask<BenchmarkResult?> Handle(GetBenchmarkResult query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var run = await db.Benchmarks.AsNoTracking().Where(r => r.Id == query.BenchmarkId)
            .Select(r => new { r.Id, r.Status, r.Error, r.StartedAt, r.FinishedAt, r.Summary, r.Series })
            .SingleOrDefaultAsync(cancellationToken);
        if (run is null)
        {
            return null;
        }

        var summary = run.Summary is null ? null : JsonSerializer.Deserialize<RunSummary>(run.Summary, Json.Options);
        var series = run.Series is null ? [] : JsonSerializer.Deserialize<List<SecondPoint>>(run.Series, Json.Options) ?? [];
        return new BenchmarkResult(
            run.Id, run.Status, run.Error, run.StartedAt, run.FinishedAt,
            summary?.Overall.ToContract(),
            summary is null ? [] : [.. summary.Steps.Select(s => s.ToContract())],
            [.. series.Select(p => new BenchmarkSecond(p.T, p.Sent, p.Completed, p.Errors, p.OutputTokens, p.TtftMeanMs, p.E2eMeanMs))],
            summary?.StopReason, summary?.ClientLimited ?? false, summary?.ClientLimitReasons);
    }
}
