using Aibench.Monitor.Persistence;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Monitor.Features;

/// <summary>How the last scrape of every current target went: up or not, when, how long, how many samples, why not.</summary>
public sealed record ListScrapes : IQuery<IReadOnlyList<ScrapeStatus>>;

public sealed record ScrapeStatus(
    string Key,
    string Kind,
    string Url,
    Guid? ServiceId,
    Guid? ExperimentId,
    int? Replica,
    string? Node,
    bool Up,
    DateTimeOffset LastScrapeAt,
    double LastDurationMs,
    int LastSamples,
    int LastMalformed,
    string? LastError);

internal sealed class ListScrapesHandler(IDbContextFactory<MonitorDbContext> dbFactory) : IQueryHandler<ListScrapes, IReadOnlyList<ScrapeStatus>>
{
    public async ValueTask<IReadOnlyList<ScrapeStatus>> Handle(ListScrapes query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Targets.AsNoTracking().OrderBy(t => t.Key)
            .Select(t => new ScrapeStatus(t.Key, t.Kind, t.Url, t.ServiceId, t.ExperimentId, t.Replica, t.Node, t.Up, t.LastScrapeAt,
                t.LastDurationMs, t.LastSamples, t.LastMalformed, t.LastError))
            .ToListAsync(cancellationToken);
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/metrics/scrapes", async Task<Ok<IReadOnlyList<ScrapeStatus>>> (ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new ListScrapes(), ct)))
            .WithName("ListScrapes")
            .WithSummary("The last scrape of every current target: up, when, duration, samples, malformed lines, error.");
}
