using Aibench.Contracts;
using Aibench.Contracts.Experiments;
using Aibench.Experiments.Campaigns;
using Aibench.Experiments.Jobs;
using Aibench.Experiments.Persistence;
using Aibench.Experiments.Planning;
using Aibench.Shared.Api;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Experiments.Features;

/// <summary>One campaign: every element with its experiment's state and numbers, the per-cell results, scaling curves and Pareto front.</summary>
public sealed record GetCampaign(Guid Id) : IQuery<CampaignDetail>;

/// <summary>Everything the campaign page shows.</summary>
/// <param name="Campaign">Its row, as in the list.</param>
/// <param name="Elements">Every element in order.</param>
/// <param name="Cells">Each cell over its repeats (mean ± 95 % interval; unstable when they disagree).</param>
/// <param name="Scaling">Throughput and capacity by node count, with parallel efficiency.</param>
/// <param name="Pareto">Output tokens/s per user against per GPU, and the front.</param>
public sealed record CampaignDetail(
    CampaignSummary Campaign,
    IReadOnlyList<CampaignElementView> Elements,
    IReadOnlyList<CellResult> Cells,
    IReadOnlyList<ScalingCurve> Scaling,
    IReadOnlyList<ParetoPoint> Pareto);

/// <summary>One element of a campaign.</summary>
/// <param name="Status">
/// <c>queued</c> (not started yet, or its experiment waits for its service: in the queue, held by its array's throttle,
/// or starting), else its experiment's status; <c>failed</c> when it could not be created.
/// </param>
/// <param name="Stage">Its experiment's stage, once it exists.</param>
/// <param name="Reason">Why it failed, or its experiment's reason.</param>
public sealed record CampaignElementView(
    int Index,
    int Cell,
    int Repeat,
    string Label,
    int Nodes,
    Guid ExperimentId,
    string Status,
    string? Stage,
    string? Reason,
    double? Throughput,
    double? OutputThroughput,
    double? TtftP50Ms,
    double? Capacity);

internal sealed class GetCampaignHandler(IDbContextFactory<ExperimentsDbContext> dbFactory) : IQueryHandler<GetCampaign, CampaignDetail>
{
    public async ValueTask<CampaignDetail> Handle(GetCampaign query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var campaign = await db.Campaigns.AsNoTracking().Include(c => c.Elements).SingleOrDefaultAsync(c => c.Id == query.Id, cancellationToken)
            ?? throw new NotFoundException("Campaign", query.Id.ToString());
        var ids = campaign.Elements.Select(e => e.ExperimentId).ToList();
        var experiments = await db.Experiments.AsNoTracking().Where(e => ids.Contains(e.Id))
            .Select(e => new { e.Id, e.Status, e.Stage, e.Reason, e.Result }).ToDictionaryAsync(e => e.Id, cancellationToken);
        var elements = new List<CampaignElementView>();
        var figures = new List<ElementFigures>();
        foreach (var element in campaign.Elements.OrderBy(e => e.Index))
        {
            var experiment = experiments.GetValueOrDefault(element.ExperimentId);
            var result = experiment?.Result is { } json ? ExperimentWorkflow.FromJson<ExperimentResult>(json) : null;
            var o = experiment?.Status == ExperimentStatus.Completed ? result?.Overall : null;
            var capacity = experiment?.Status == ExperimentStatus.Completed ? result?.Capacity?.RequestRate ?? result?.Capacity?.Rate : null;
            var status = element.Error is not null ? "failed"
                : experiment is null || new ElementState(experiment.Status, experiment.Stage).Queued ? "queued" : experiment.Status.WireName();
            elements.Add(new CampaignElementView(element.Index, element.Cell, element.Repeat, element.Label, element.Nodes, element.ExperimentId,
                status,
                experiment?.Stage.WireName(), element.Error ?? experiment?.Reason, o?.RequestThroughput, o?.OutputTokenThroughput, o?.TtftP50Ms,
                capacity));
            if (o is not null)
            {
                figures.Add(new ElementFigures(element.Cell, element.Nodes, element.Gpus, o.RequestThroughput, o.OutputTokenThroughput,
                    o.Concurrency ?? o.TargetRate ?? capacity, capacity));
            }
        }

        var cells = CampaignGrid.Cells(ExperimentWorkflow.FromJson<CreateCampaign>(campaign.Definition).Axes!);
        var results = CampaignResults.Cells(cells, figures);
        var summary = CampaignSummary.Of(campaign, experiments.ToDictionary(e => e.Key, e => new ElementState(e.Value.Status, e.Value.Stage)));
        return new CampaignDetail(summary, elements, results, CampaignResults.Scaling(cells, results), CampaignResults.Pareto(cells, figures));
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/campaigns/{id:guid}", async Task<Ok<CampaignDetail>> (Guid id, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new GetCampaign(id), ct)))
            .WithName("GetCampaign")
            .WithSummary("A campaign: every element's state and numbers, per-cell results with intervals, scaling curves, Pareto front.")
            .ProducesProblem(StatusCodes.Status404NotFound);
}
