using Aibench.Contracts.Server;
using Aibench.Server.Persistence;
using Aibench.Server.Scheduling;
using Aibench.Shared.Resilience;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Server.Features;

/// <summary>Which scheduler backend is in use, why it was chosen, whether it answers now, and aibench's jobs in it.</summary>
public sealed record GetSchedulerStatus : IQuery<SchedulerStatus>;

/// <summary>The scheduler backend and aibench's own jobs in it.</summary>
/// <param name="Kind"><c>local</c>, <c>slurm</c> or <c>slurmrestd</c>.</param>
/// <param name="Why">Why this backend was chosen.</param>
/// <param name="Reachable">Whether it answers now.</param>
/// <param name="Detail">What it answered, or why not.</param>
/// <param name="PollSeconds">How often job states are asked.</param>
/// <param name="Pending">aibench's services not yet started by the scheduler (pending or queued).</param>
/// <param name="Running">aibench's services whose job runs (starting or ready).</param>
public sealed record SchedulerStatus(string Kind, string Why, bool Reachable, string Detail, int PollSeconds, int Pending = 0, int Running = 0)
{
    /// <summary>
    /// The scheduler's circuit breaker (<c>scheduler:&lt;kind&gt;</c>): while open, calls fail fast without asking it;
    /// its <c>detail</c> says since when, why and when the next try is.
    /// </summary>
    public CircuitView? Circuit { get; init; }
}

internal sealed class GetSchedulerStatusHandler(SchedulerSelector selector, SchedulerSettings settings, IDbContextFactory<ServerDbContext> dbFactory)
    : IQueryHandler<GetSchedulerStatus, SchedulerStatus>
{
    public async ValueTask<SchedulerStatus> Handle(GetSchedulerStatus query, CancellationToken cancellationToken)
    {
        var (scheduler, why) = await selector.GetAsync(cancellationToken);
        var health = await scheduler.CheckAsync(cancellationToken);

        // Only aibench's own jobs: the whole cluster's queue is the site's business and may be huge to ask for.
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var counts = await db.Services.AsNoTracking()
            .Where(s => s.Status == ServiceStatus.Pending || s.Status == ServiceStatus.Queued || s.Status == ServiceStatus.Starting || s.Status
                == ServiceStatus.Ready)
            .GroupBy(s => s.Status).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        int Count(params ServiceStatus[] statuses) => counts.Where(c => statuses.Contains(c.Key)).Sum(c => c.Count);
        return new SchedulerStatus(scheduler.Kind, why, health.Reachable, health.Detail, settings.PollSeconds,
            Count(ServiceStatus.Pending, ServiceStatus.Queued), Count(ServiceStatus.Starting, ServiceStatus.Ready))
        {
            Circuit = (scheduler as CircuitScheduler)?.Breaker.View,
        };
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/scheduler", async Task<Ok<SchedulerStatus>> (ISender sender, CancellationToken ct)
            => TypedResults.Ok(await sender.Send(new GetSchedulerStatus(), ct)))
            .WithName("GetSchedulerStatus")
            .WithSummary("The scheduler backend in use (slurm, slurmrestd or local), why, whether it answers, its circuit breaker, and aibench's "
                + "pending and running jobs.");
}
