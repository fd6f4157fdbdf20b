using Aibench.Experiments.Campaigns;
using Aibench.Shared.Validation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Aibench.Experiments.Features;

/// <summary>What <see cref="CreateCampaign"/> would run and submit (cells, elements, node-hours, job arrays), checked the same way; nothing
/// starts.</summary>
/// <param name="Campaign">The campaign as it would be created.</param>
public sealed record PreviewCampaign(CreateCampaign Campaign) : IQuery<CampaignPreview>;

internal sealed class PreviewCampaignValidator(CreateCampaignValidator campaign)
    : WrapperValidator<PreviewCampaign, CreateCampaign>(campaign, q => q.Campaign);

internal sealed class PreviewCampaignHandler(CampaignDrafter drafter) : IQueryHandler<PreviewCampaign, CampaignPreview>
{
    public async ValueTask<CampaignPreview> Handle(PreviewCampaign query, CancellationToken cancellationToken) =>
        (await drafter.DraftAsync(query.Campaign, cancellationToken)).Preview;

    public static void Map(RouteGroupBuilder api) =>
        api.MapPost("/campaigns/preview", async Task<Ok<CampaignPreview>> (CreateCampaign command, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new PreviewCampaign(command), ct)))
            .WithName("PreviewCampaign")
            .WithSummary("What a campaign would run: its cells and elements, the node-hours it asks for and the job arrays it submits.")
            .ProducesValidationProblem();
}
