using Aibench.Contracts.Experiments;
using Aibench.Experiments.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Experiments.Campaigns;

/// <summary>The status of each of a campaign's experiments that exists, by experiment id.</summary>
internal static class CampaignStatuses
{
    public static async Task<Dictionary<Guid, ExperimentStatus>> OfAsync(ExperimentsDbContext db, Campaign campaign, CancellationToken ct)
    {
        var ids = campaign.Elements.Select(e => e.ExperimentId).ToList();
        return await db.Experiments.AsNoTracking().Where(e => ids.Contains(e.Id)).Select(e => new { e.Id, e.Status })
            .ToDictionaryAsync(e => e.Id, e => e.Status, ct);
    }
}
