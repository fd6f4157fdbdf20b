using Aibench.Contracts.Server;
using Aibench.Server.Lifecycle;
using Aibench.Server.Persistence;
using Aibench.Server.Scheduling;
using Aibench.Shared.Api;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Server.Features;

internal sealed class CancelServiceHandler(
    IDbContextFactory<ServerDbContext> dbFactory,
    SchedulerSelector schedulers,
    IPublisher publisher,
    TimeProvider time) : ICommandHandler<CancelService, ServiceStatusView>
{
    public async ValueTask<ServiceStatusView> Handle(CancelService command, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var service = await db.Services.Include(s => s.Transitions).SingleOrDefaultAsync(s => s.Id == command.Id, cancellationToken)
            ?? throw new NotFoundException("Service", command.Id.ToString());
        if (!service.Status.IsTerminal())
        {
            if (service.JobId is not null)
            {
                var scheduler = await schedulers.SchedulerAsync(cancellationToken);
                try
                {
                    await scheduler.CancelAsync(service.JobId, cancellationToken);
                }
                catch (SchedulerUnavailableException e)
                {
                    throw new ConflictException($"The scheduler does not answer, so job {service.JobId} could not be cancelled yet: "
                        + $"{e.Message}. Try again.");
                }
            }

            service.MoveTo(ServiceStatus.Cancelled, "cancelled on request", time.GetUtcNow());
            await db.SaveChangesAsync(cancellationToken);
            await publisher.Publish(new ServiceStopped(service.Id, ServiceStatus.Cancelled, service.Reason, service.RunFolder ?? ""),
                cancellationToken);
        }

        return new ServiceStatusView(service.Id, service.Status, service.Reason, service.UpdatedAt);
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapDelete("/services/{id:guid}", async Task<Accepted<ServiceStatusView>> (Guid id, ISender sender, CancellationToken ct) =>
                TypedResults.Accepted($"/api/v1/services/{id}/status", await sender.Send(new CancelService(id), ct)))
            .WithName("CancelService")
            .WithSummary("Cancel a service (scancel); 202, idempotent.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
}
