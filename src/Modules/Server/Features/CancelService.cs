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
    ServerSettings settings,
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
            var scheduler = await schedulers.SchedulerAsync(cancellationToken);
            var jobId = service.JobId;
            try
            {
                jobId ??= await ArrayTaskAsync(service, scheduler, cancellationToken);
                if (jobId is not null)
                {
                    await scheduler.CancelAsync(jobId, cancellationToken);
                }
            }
            catch (SchedulerUnavailableException e)
            {
                throw new ConflictException($"The scheduler does not answer, so job {jobId ?? "of its array"} could not be cancelled yet: "
                    + $"{e.Message}. Try again.");
            }

            service.MoveTo(ServiceStatus.Cancelled, command.Reason ?? "stopped on request", time.GetUtcNow());
            await db.SaveChangesAsync(cancellationToken);
            await publisher.Publish(new ServiceStopped(service.Id, ServiceStatus.Cancelled, service.Reason, service.RunFolder ?? ""),
                cancellationToken);
        }

        return new ServiceStatusView(service.Id, service.Status, service.Reason, service.UpdatedAt);
    }

    /// <summary>
    /// The task of a pending service whose array was submitted before its id was recorded (the answer lost, or the host
    /// stopped in between): without this its task would run on, orphaned, holding a slot of the array's throttle.
    /// </summary>
    private async Task<string?> ArrayTaskAsync(ServiceRecord service, IScheduler scheduler, CancellationToken ct)
    {
        if (service is not { ArrayId: { } array, ArrayIndex: { } index, Attempt: 1 } || !scheduler.SupportsArrays) return null;
        var folder = ArrayFolder.For(settings, array);
        if (ArrayFolder.Submitted(folder) is { } submitted)
        {
            return submitted.Indices.Contains(index) ? ArrayFolder.TaskJobId(submitted.JobId, index) : null;
        }

        return ArrayFolder.Planned(folder)?.Contains(index) == true
            && await scheduler.FindByNameAsync(ArrayRenderer.JobName(service.Recipe, array), ct) is { } found
            ? ArrayFolder.TaskJobId(found.Split('_')[0], index)
            : null;
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapDelete("/services/{id:guid}", async Task<Accepted<ServiceStatusView>> (Guid id, ISender sender, CancellationToken ct) =>
                TypedResults.Accepted($"/api/v1/services/{id}/status", await sender.Send(new CancelService(id), ct)))
            .WithName("CancelService")
            .WithSummary("Cancel a service (scancel); 202, idempotent.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
}
