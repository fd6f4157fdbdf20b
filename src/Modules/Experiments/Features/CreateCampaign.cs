using System.Globalization;
using Aibench.Contracts;
using Aibench.Contracts.Experiments;
using Aibench.Experiments.Campaigns;
using Aibench.Experiments.Jobs;
using Aibench.Experiments.Persistence;
using FluentValidation;
using Hangfire;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Experiments.Features;

/// <summary>
/// Start a campaign: a grid of experiments, the base experiment with every combination of the axes' values, each run
/// <paramref name="Repeats"/> times, at most <paramref name="Throttle"/> at once in each job array. Everything is checked for every cell
/// (by the Server and Client modules too) before anything is stored or submitted.
/// </summary>
/// <param name="Base">The experiment every element starts from (recipe, test type, duration, load, SLO, references, …).</param>
/// <param name="Axes">What varies: node counts and recipe parameter values.</param>
/// <param name="Repeats">Experiments per cell (1–10); with more than one, every headline number gets its 95 % interval.</param>
/// <param name="Throttle">
/// Elements running at once at the most (1–64), in each job array (SLURM's <c>%N</c>: one array per shape); the elements
/// alone in their shape are held to it by aibench. A campaign must not flood the queue.
/// </param>
/// <param name="Name">A label; made from the recipe and test type when omitted.</param>
public sealed record CreateCampaign(CreateExperiment? Base, CampaignAxes? Axes, int Repeats = 1, int Throttle = 2, string? Name = null)
    : ICommand<CampaignSummary>;

internal sealed class CreateCampaignValidator : AbstractValidator<CreateCampaign>
{
    public CreateCampaignValidator(CreateExperimentValidator experiment, ExperimentsSettings settings)
    {
        RuleFor(c => c.Base).NotNull().WithMessage("'base' is required: the experiment every element starts from.").OverridePropertyName("base");
        RuleFor(c => c.Base!).SetValidator(experiment).When(c => c.Base is not null).OverridePropertyName("base");
        RuleFor(c => c.Repeats).InclusiveBetween(1, 10).WithMessage(c => $"'repeats' must be from 1 to 10, not {c.Repeats}.")
            .OverridePropertyName("repeats");
        RuleFor(c => c.Throttle).InclusiveBetween(1, 64).WithMessage(c => $"'throttle' must be from 1 to 64, not {c.Throttle}.")
            .OverridePropertyName("throttle");
        RuleFor(c => c.Name).Must(n => n is null || (n.Length is > 0 and <= 200 && !n.Any(char.IsControl)))
            .WithMessage("'name' must be 1 to 200 characters without control characters.").OverridePropertyName("name");
        RuleFor(c => c.Axes).Custom((axes, context) =>
        {
            foreach (var (field, message) in CampaignGrid.Check(axes, Math.Clamp(context.InstanceToValidate.Repeats, 1, 10),
                settings.MaxCampaignElements))
            {
                context.AddFailure(field, message);
            }
        });
    }
}

internal sealed class CreateCampaignHandler(
    CampaignDrafter drafter,
    IDbContextFactory<ExperimentsDbContext> dbFactory,
    IBackgroundJobClient jobs,
    TimeProvider time) : ICommandHandler<CreateCampaign, CampaignSummary>
{
    public async ValueTask<CampaignSummary> Handle(CreateCampaign command, CancellationToken cancellationToken)
    {
        var (preview, cells) = await drafter.DraftAsync(command, cancellationToken);
        var now = time.GetUtcNow();
        var campaign = new Campaign
        {
            Id = Guid.CreateVersion7(now),
            Name = preview.Name,
            Definition = ExperimentWorkflow.ToJson(command),
            Repeats = command.Repeats,
            Throttle = command.Throttle,
            CreatedAt = now,
            UpdatedAt = now,
        };
        foreach (var cell in cells)
        {
            for (var repeat = 0; repeat < command.Repeats; repeat++)
            {
                campaign.Elements.Add(new CampaignElement
                {
                    Id = Guid.CreateVersion7(now), CampaignId = campaign.Id, Index = campaign.Elements.Count, Cell = cell.Index, Repeat = repeat,
                    Label = Clip(cell.Label + (command.Repeats > 1 ? $" · #{repeat + 1}" : "")), ExperimentId = Guid.CreateVersion7(now),
                    Nodes = preview.Grid[cell.Index].Nodes, Gpus = preview.Grid[cell.Index].Gpus,
                });
            }
        }

        CampaignArrays.Assign(campaign.Elements, preview, command.Throttle, () => Guid.CreateVersion7(now));
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        db.Campaigns.Add(campaign);
        await db.SaveChangesAsync(cancellationToken);
        jobs.Enqueue<AdvanceCampaignsJob>(j => j.RunOneAsync(campaign.Id, CancellationToken.None));
        return CampaignSummary.Of(campaign, new Dictionary<Guid, ElementState>());
    }

    private static string Clip(string label) => label.Length > 512 ? label[..509] + "..." : label;

    public static void Map(RouteGroupBuilder api) =>
        api.MapPost("/campaigns", async Task<Created<CampaignSummary>> (CreateCampaign command, ISender sender, CancellationToken ct) =>
            {
                var created = await sender.Send(command, ct);
                return TypedResults.Created(string.Create(CultureInfo.InvariantCulture, $"/api/v1/campaigns/{created.Id}"), created);
            })
            .WithName("CreateCampaign")
            .WithSummary("Start a campaign: { base: <experiment>, axes: { nodes: [], parameters: { name: [] } }, repeats, throttle } → 201.")
            .ProducesValidationProblem();
}

/// <summary>A campaign and how far its elements got.</summary>
/// <param name="Status"><c>running</c>, <c>completed</c> (every element ended, some may have failed) or <c>cancelled</c>.</param>
/// <param name="Queued">
/// Elements not measuring yet: not started, or their experiment waits for its service (in the queue, held by its job
/// array's throttle, or starting).
/// </param>
/// <param name="Running">Elements whose experiment measures (warm-up, load, collecting, stopping).</param>
/// <param name="Done">Elements whose experiment completed.</param>
/// <param name="Failed">Elements whose experiment failed, was cancelled, or could not be created.</param>
public sealed record CampaignSummary(
    Guid Id,
    string Name,
    string Status,
    int Elements,
    int Queued,
    int Running,
    int Done,
    int Failed,
    int Repeats,
    int Throttle,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt)
{
    internal static CampaignSummary Of(Campaign c, IReadOnlyDictionary<Guid, ElementState> experiments)
    {
        int queued = 0, running = 0, done = 0, failed = 0;
        foreach (var e in c.Elements)
        {
            var state = experiments.TryGetValue(e.ExperimentId, out var s) ? s : (ElementState?)null;
            var status = state?.Status;
            if (e.Error is not null || status is ExperimentStatus.Failed or ExperimentStatus.Cancelled) failed++;
            else if (status == ExperimentStatus.Completed) done++;
            else if (state is { Queued: false, Status: ExperimentStatus.Running }) running++;
            else queued++;
        }

        return new CampaignSummary(c.Id, c.Name, c.Status.WireName(), c.Elements.Count, queued, running, done, failed, c.Repeats, c.Throttle,
            c.CreatedAt, c.FinishedAt);
    }
}
