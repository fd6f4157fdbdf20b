using Aibench.Contracts.Experiments;
using Aibench.Experiments.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Experiments.Features;

/// <summary>Tells other modules (Monitor) which experiment a service belongs to.</summary>
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
