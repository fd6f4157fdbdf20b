using Aibench.Contracts.Experiments;
using Aibench.Experiments.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Experiments.Campaigns;

/// <summary>Where one element's experiment stands.</summary>
/// <param name="Status">The experiment's status.</param>
/// <param name="Stage">The experiment's stage.</param>
internal readonly record struct ElementState(ExperimentStatus Status, ExperimentStage Stage)
{
    /// <summary>
    /// Created but not measuring yet: its experiment waits for its service (submitted, held by its array's throttle in
    /// the queue, or starting). A campaign shows such an element as queued, not running.
    /// </summary>
    public bool Queued => Status == ExperimentStatus.Running && Stage is ExperimentStage.Pending or ExperimentStage.Deploying
        or ExperimentStage.Waiting;
}

/// <summary>The state of each of a campaign's experiments that exists, by experiment id.</summary>
internal static class CampaignStatuses
{
    public static async Task<Dictionary<Guid, ElementState>> OfAsync(ExperimentsDbContext db, Campaign campaign, CancellationToken ct)
    {
        var ids = campaign.Elements.Select(e => e.ExperimentId).ToList();
        return await db.Experiments.AsNoTracking().Where(e => ids.Contains(e.Id)).Select(e => new { e.Id, e.Status, e.Stage })
            .ToDictionaryAsync(e => e.Id, e => new ElementState(e.Status, e.Stage), ct);
    }
}
