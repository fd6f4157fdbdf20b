using Aibench.Contracts.Experiments;
using Aibench.Experiments.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Experiments.Features;

/// <summary>Tells other modules (Monitor, Logs) which experiment a service belongs to.</summary>
internal sealed class AnswerExperimentsOfServices(IDbContextFactory<ExperimentsDbContext> dbFactory)
    : IQueryHandler<GetExperimentsOfServices, IReadOnlyDictionary<Guid, Guid>>
{
    public async ValueTask<IReadOnlyDictionary<Guid, Guid>> Handle(GetExperimentsOfServices query, CancellationToken cancellationToken)
    {
        var ids = query.ServiceIds.Distinct().ToList();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.Experiments.AsNoTracking()
            .Where(e => e.ServiceId != null && ids.Contains(e.ServiceId.Value))
            .OrderBy(e => e.CreatedAt)
            .Select(e => new { ServiceId = e.ServiceId!.Value, e.Id })
            .ToListAsync(cancellationToken);
        // A service reused by several experiments counts for the newest.
        var map = new Dictionary<Guid, Guid>();
        foreach (var row in rows) map[row.ServiceId] = row.Id;
        return map;
    }
}

/// <summary>Tells other modules (Logs) which experiment a benchmark's load-generator workers belong to.</summary>
internal sealed class AnswerExperimentsOfBenchmarks(IDbContextFactory<ExperimentsDbContext> dbFactory)
    : IQueryHandler<GetExperimentsOfBenchmarks, IReadOnlyDictionary<Guid, Guid>>
{
    public async ValueTask<IReadOnlyDictionary<Guid, Guid>> Handle(GetExperimentsOfBenchmarks query, CancellationToken cancellationToken)
    {
        var ids = query.BenchmarkIds.Distinct().ToList();
        if (ids.Count == 0) return new Dictionary<Guid, Guid>();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.Experiments.AsNoTracking()
            .Where(e => (e.BenchmarkId != null && ids.Contains(e.BenchmarkId.Value)) || (e.WarmupBenchmarkId != null && ids.Contains(e.WarmupBenchmarkId.Value)))
            .Select(e => new { e.Id, e.BenchmarkId, e.WarmupBenchmarkId })
            .ToListAsync(cancellationToken);
        var asked = ids.ToHashSet();
        var map = new Dictionary<Guid, Guid>();
        foreach (var row in rows)
        {
            if (row.BenchmarkId is { } load && asked.Contains(load)) map[load] = row.Id;
            if (row.WarmupBenchmarkId is { } warmup && asked.Contains(warmup)) map[warmup] = row.Id;
        }

        return map;
    }
}
