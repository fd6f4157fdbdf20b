using Aibench.Experiments.Campaigns;
using Aibench.Experiments.Persistence;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Experiments.Features;

/// <summary>The campaigns, newest first.</summary>
public sealed record ListCampaigns : IQuery<IReadOnlyList<CampaignSummary>>;

internal sealed class ListCampaignsHandler(IDbContextFactory<ExperimentsDbContext> dbFactory) : IQueryHandler<ListCampaigns,
    IReadOnlyList<CampaignSummary>>
{
    public async ValueTask<IReadOnlyList<CampaignSummary>> Handle(ListCampaigns query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var campaigns = await db.Campaigns.AsNoTracking().Include(c => c.Elements).OrderByDescending(c => c.CreatedAt).Take(200)
            .ToListAsync(cancellationToken);
        var list = new List<CampaignSummary>();
        foreach (var campaign in campaigns)
        {
            list.Add(CampaignSummary.Of(campaign, await CampaignStatuses.OfAsync(db, campaign, cancellationToken)));
        }

        return list;
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/campaigns", async Task<Ok<IReadOnlyList<CampaignSummary>>> (ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new ListCampaigns(), ct)))
            .WithName("ListCampaigns")
            .WithSummary("The campaigns, newest first, with how far their elements got.");
}
