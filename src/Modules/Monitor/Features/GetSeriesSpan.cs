using Aibench.Monitor.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Monitor.Features;

/// <summary>The first and last sample stored for a service's or an experiment's series; null when there is none.</summary>
public sealed record GetSeriesSpan(Guid? Service, Guid? Experiment) : IQuery<SeriesSpan?>;

public sealed record SeriesSpan(DateTimeOffset First, DateTimeOffset Last);

/// <summary>
/// Lets the metrics page follow a finished experiment's own window instead of the last minutes, which for an experiment
/// that ended an hour ago would be empty.
/// </summary>
internal sealed class GetSeriesSpanHandler(IDbContextFactory<MonitorDbContext> dbFactory) : IQueryHandler<GetSeriesSpan, SeriesSpan?>
{
    public async ValueTask<SeriesSpan?> Handle(GetSeriesSpan query, CancellationToken cancellationToken)
    {
        if (query.Service is null && query.Experiment is null) return null;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var series = db.Series.AsNoTracking()
            .Where(s => (query.Service == null || s.ServiceId == query.Service) && (query.Experiment == null || s.ExperimentId == query.Experiment))
            .Select(s => s.Id);
        var samples = db.Samples.AsNoTracking().Where(x => series.Contains(x.SeriesId));
        if (!await samples.AnyAsync(cancellationToken)) return null;
        var first = await samples.MinAsync(x => x.TimestampMs, cancellationToken);
        var last = await samples.MaxAsync(x => x.TimestampMs, cancellationToken);
        return new SeriesSpan(DateTimeOffset.FromUnixTimeMilliseconds(first), DateTimeOffset.FromUnixTimeMilliseconds(last));
    }
}
