using Aibench.Contracts.Server;
using Aibench.Server.Jobs;
using Aibench.Server.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Server.Features;

/// <summary>Answers the Contracts query for a service's endpoints (the Client module sends load to them).</summary>
internal sealed class AnswerServiceEndpoints(IDbContextFactory<ServerDbContext> dbFactory) : IQueryHandler<GetServiceEndpoints, ServiceEndpoints?>
{
    public async ValueTask<ServiceEndpoints?> Handle(GetServiceEndpoints query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var s = await db.Services.AsNoTracking().Include(x => x.Endpoints).SingleOrDefaultAsync(x => x.Id == query.ServiceId, cancellationToken);
        return s is null
            ? null
            : new ServiceEndpoints(s.Id, s.Status, [.. s.Endpoints.OrderBy(e => e.Task).Select(PollServicesJob.ToInfo)], s.RunFolder, s.MetricsPath);
    }
}
