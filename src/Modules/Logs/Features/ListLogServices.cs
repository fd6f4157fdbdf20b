using Aibench.Logs.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Logs.Features;

/// <summary>
/// The services that have stored lines, most recently active first: the Logs page's source picker, which must not
/// ask another module which services exist.
/// </summary>
public sealed record ListLogServices(int Limit = 100) : IQuery<IReadOnlyList<LogServiceView>>;

public sealed record LogServiceView(Guid ServiceId, int Lines, DateTimeOffset LastAt);

internal sealed class ListLogServicesHandler(IDbContextFactory<LogsDbContext> dbFactory) : IQueryHandler<ListLogServices,
    IReadOnlyList<LogServiceView>>
{
    public async ValueTask<IReadOnlyList<LogServiceView>> Handle(ListLogServices query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // The newest line is found by id rather than by timestamp: SQLite cannot aggregate DateTimeOffset, and ids grow with arrival.
        var groups = await db.Lines.AsNoTracking().Where(l => l.ServiceId != null)
            .GroupBy(l => l.ServiceId)
            .Select(g => new { ServiceId = g.Key!.Value, Lines = g.Count(), LastId = g.Max(l => l.Id) })
            .OrderByDescending(g => g.LastId).Take(query.Limit)
            .ToListAsync(cancellationToken);
        var lastIds = groups.Select(g => g.LastId).ToList();
        var times = await db.Lines.AsNoTracking().Where(l => lastIds.Contains(l.Id)).Select(l => new { l.Id, l.Timestamp })
            .ToDictionaryAsync(l => l.Id, l => l.Timestamp, cancellationToken);
        return [.. groups.Select(g => new LogServiceView(g.ServiceId, g.Lines, times[g.LastId]))];
    }
}
