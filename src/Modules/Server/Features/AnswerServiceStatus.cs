using Aibench.Contracts.Server;
using Aibench.Server.Jobs;
using Aibench.Server.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Server.Features;

/// <summary>Answers the Contracts query other modules use to learn a service's state.</summary>
internal sealed class AnswerServiceStatus(IDbContextFactory<ServerDbContext> dbFactory) : IQueryHandler<GetServiceStatus, ServiceStatusInfo?>
{
    public async ValueTask<ServiceStatusInfo?> Handle(GetServiceStatus query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var s = await db.Services.AsNoTracking().Include(x => x.Endpoints).SingleOrDefaultAsync(x => x.Id == query.ServiceId, cancellationToken);
        return s is null
            ? null
            : new ServiceStatusInfo(s.Id, s.Recipe, s.Status, s.Reason, s.JobId, s.UpdatedAt)
            {
                NodeList = s.NodeList,
                ExpectedReplicas = s.ExpectedEndpoints,
                Replicas = [.. s.Endpoints.OrderBy(e => e.Task).Select(e => new ReplicaStatus(e.Task, e.Node, PollServicesJob.Url(e), e.Ready))],
                RunFolder = s.RunFolder,
                Attempt = s.Attempt,
            };
    }
}
