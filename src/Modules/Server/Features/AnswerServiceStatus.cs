using Aibench.Contracts.Server;
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
        return await db.Services.AsNoTracking()
            .Where(s => s.Id == query.ServiceId)
            .Select(s => new ServiceStatusInfo(s.Id, s.Recipe, s.Status, s.Reason, s.JobId, s.UpdatedAt))
            .SingleOrDefaultAsync(cancellationToken);
    }
}
