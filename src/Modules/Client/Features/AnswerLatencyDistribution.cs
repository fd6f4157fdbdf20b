using System.Text.Json;
using Aibench.Client.LoadGen;
using Aibench.Client.Persistence;
using Aibench.Contracts.Client;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Client.Features;

/// <summary>Answers the Contracts query for a run's latency distributions (the experiment compare page overlays them).</summary>
internal sealed class AnswerLatencyDistribution(IDbContextFactory<ClientDbContext> dbFactory) : IQueryHandler<GetLatencyDistribution,
    LatencyDistribution?>
{
    /// <summary>Dense in the tail, where runs differ most and where SLOs are set.</summary>
    public static readonly double[] Percentiles = [1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 97.5, 99, 99.5, 99.9];

    public async ValueTask<LatencyDistribution?> Handle(GetLatencyDistribution query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var run = await db.Benchmarks.AsNoTracking().Where(r => r.Id == query.BenchmarkId).Select(r => new { r.Id, r.Summary })
            .SingleOrDefaultAsync(cancellationToken);
        if (run is null)
        {
            return null;
        }

        var overall = run.Summary is null ? null : JsonSerializer.Deserialize<RunSummary>(run.Summary, Json.Options)?.Overall;
        var records = await ExportBenchmarkHandler.RecordsAsync(db, run.Id, cancellationToken);
        var ok = records.Where(r => !r.Warmup && r.Ok).ToList();
        var ttft = ok.Where(r => r.TtftUs is not null).Select(r => r.TtftUs!.Value / 1000.0).Order().ToArray();
        var e2e = ok.Select(r => r.E2eUs / 1000.0).Order().ToArray();
        var measured = overall is null ? 0 : overall.Completed + overall.Failed;
        return new LatencyDistribution(
            run.Id, Of(overall?.TtftMs), Of(overall?.TpotMs), Of(overall?.E2eMs),
            overall is null ? null : measured == 0 ? 0 : Math.Round((double)overall.Failed / measured, 6),
            Percentiles, Curve(ttft), Curve(e2e));
    }

    private static LatencyPercentiles? Of(Stats? s) => s is null || s.Count == 0 ? null : new LatencyPercentiles(s.P50, s.P90, s.P99);

    /// <summary>Nearest-rank percentiles of sorted values.</summary>
    private static double[] Curve(double[] sorted) => sorted.Length == 0
        ? []
        : [.. Percentiles.Select(p => Math.Round(NearestRank.Of(sorted, p), 3))];
}
