using Aibench.Contracts.Server;
using Aibench.Server.Jobs;
using Aibench.Server.Lifecycle;
using Aibench.Server.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Server.Features;

/// <summary>
/// Answers the Contracts query for what to scrape: every ready service, its endpoints, and the monitoring sidecars
/// its tasks announced in the run folder (read on each ask, since the database does not track them).
/// </summary>
internal sealed class AnswerReadyServices(IDbContextFactory<ServerDbContext> dbFactory) : IQueryHandler<ListReadyServices,
    IReadOnlyList<ReadyService>>
{
    public async ValueTask<IReadOnlyList<ReadyService>> Handle(ListReadyServices query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var services = await db.Services.AsNoTracking().Include(x => x.Endpoints)
            .Where(x => x.Status == ServiceStatus.Ready)
            .ToListAsync(cancellationToken);
        return [.. services.OrderBy(s => s.CreatedAt).Select(s => new ReadyService(
            s.Id,
            s.Recipe,
            s.JobId,
            s.MetricsPath,
            [.. s.Endpoints.OrderBy(e => e.Task).Select(PollServicesJob.ToInfo)],
            s.RunFolder is null
                ? []
                : [.. RunFolder.Exporters(s.RunFolder).Select(e => new ExporterEndpoint(e.Kind, e.Task, e.Node, e.Url))],
            s.ExperimentId))];
    }
}
