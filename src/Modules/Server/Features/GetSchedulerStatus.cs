using Aibench.Server.Scheduling;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Aibench.Server.Features;

/// <summary>Which scheduler backend is in use, why it was chosen, and whether it answers now.</summary>
public sealed record GetSchedulerStatus : IQuery<SchedulerStatus>;

public sealed record SchedulerStatus(string Kind, string Why, bool Reachable, string Detail, int PollSeconds);

internal sealed class GetSchedulerStatusHandler(SchedulerSelector selector, SchedulerSettings settings) : IQueryHandler<GetSchedulerStatus, SchedulerStatus>
{
    public async ValueTask<SchedulerStatus> Handle(GetSchedulerStatus query, CancellationToken cancellationToken)
    {
        var (scheduler, why) = await selector.GetAsync(cancellationToken);
        var health = await scheduler.CheckAsync(cancellationToken);
        return new SchedulerStatus(scheduler.Kind, why, health.Reachable, health.Detail, settings.PollSeconds);
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/scheduler", async Task<Ok<SchedulerStatus>> (ISender sender, CancellationToken ct) => TypedResults.Ok(await sender.Send(new GetSchedulerStatus(), ct)))
            .WithName("GetSchedulerStatus")
            .WithSummary("The scheduler backend in use (slurm or local), why, and whether it answers.");
}
