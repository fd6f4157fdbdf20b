using Aibench.Contracts.Experiments;
using Aibench.Experiments.Campaigns;
using Aibench.Experiments.Jobs;
using Aibench.Experiments.Persistence;
using Aibench.Shared.Api;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Experiments.Features;

/// <summary>
/// Cancel a campaign: no element starts any more, the running ones are cancelled (what they measured is kept), and it
/// ends as <c>cancelled</c>. Idempotent.
/// </summary>
public sealed record CancelCampaign(Guid Id) : ICommand<CampaignSummary>;

internal sealed class CancelCampaignHandler(IDbContextFactory<ExperimentsDbContext> dbFactory, AdvanceCampaignsJob campaigns, TimeProvider time)
    : ICommandHandler<CancelCampaign, CampaignSummary>
{
    public async ValueTask<CampaignSummary> Handle(CancelCampaign command, CancellationToken cancellationToken)
    {
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            var campaign = await db.Campaigns.SingleOrDefaultAsync(c => c.Id == command.Id, cancellationToken)
                ?? throw new NotFoundException("Campaign", command.Id.ToString());
            if (campaign.Status == ExperimentStatus.Running && !campaign.CancelRequested)
            {
                campaign.CancelRequested = true;
                campaign.UpdatedAt = time.GetUtcNow();
                await db.SaveChangesAsync(cancellationToken);
            }
        }

        await campaigns.RunOneAsync(command.Id, cancellationToken);
        await using var again = await dbFactory.CreateDbContextAsync(cancellationToken);
        var done = await again.Campaigns.AsNoTracking().Include(c => c.Elements).SingleAsync(c => c.Id == command.Id, cancellationToken);
        return CampaignSummary.Of(done, await CampaignStatuses.OfAsync(again, done, cancellationToken));
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapDelete("/campaigns/{id:guid}", async Task<Accepted<CampaignSummary>> (Guid id, ISender sender, CancellationToken ct) =>
                TypedResults.Accepted($"/api/v1/campaigns/{id}", await sender.Send(new CancelCampaign(id), ct)))
            .WithName("CancelCampaign")
            .WithSummary("Cancel a campaign: starts no more elements and cancels the running ones; 202, idempotent.")
            .ProducesProblem(StatusCodes.Status404NotFound);
}
