using System.Collections.Concurrent;
using Aibench.Contracts;
using Aibench.Contracts.Experiments;
using Aibench.Contracts.Server;
using Aibench.Experiments.Campaigns;
using Aibench.Experiments.Features;
using Aibench.Experiments.Persistence;
using Aibench.Shared.Modules;
using FluentValidation;
using Hangfire;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Aibench.Experiments.Jobs;

/// <summary>
/// The recurring <c>campaigns:advance</c>: for every running campaign, starts its next elements while fewer than its
/// throttle run, and ends it once every element ended. An element's experiment id is chosen at creation and
/// <see cref="CreateExperiment"/> answers a known id with the experiment it made, so a host stopping between the start
/// and its record starts nothing twice; an element measured is never redone. The experiments themselves (deploy, load,
/// restarts per their policy, results) are the experiment workflow's.
/// </summary>
internal sealed class AdvanceCampaignsJob(IDbContextFactory<ExperimentsDbContext> dbFactory, ISender sender, TimeProvider time,
    ILogger<AdvanceCampaignsJob> logger) : IRecurringJob
{
    public const string RecurringId = "campaigns:advance";

    /// <summary>One pass at a time per campaign: the recurring pass, the one enqueued at creation and a cancel may overlap.</summary>
    private static readonly ConcurrentDictionary<Guid, SemaphoreSlim> Gates = new();

    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    [DisableConcurrentExecution(timeoutInSeconds: 120)]
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        List<Guid> running;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            running = await db.Campaigns.AsNoTracking().Where(c => c.Status == ExperimentStatus.Running).Select(c => c.Id)
                .ToListAsync(cancellationToken);
        }

        foreach (var id in running)
        {
            try
            {
                await RunOneAsync(id, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Advancing campaign {Id} failed; trying again at the next poll", id);
            }
        }
    }

    /// <summary>One campaign as far as it can go now.</summary>
    [AutomaticRetry(Attempts = 2, DelaysInSeconds = [1, 5], OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    [DisableConcurrentExecution(timeoutInSeconds: 120)]
    public async Task RunOneAsync(Guid id, CancellationToken cancellationToken)
    {
        var gate = Gates.GetOrAdd(id, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            await AdvanceAsync(id, cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task AdvanceAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var campaign = await db.Campaigns.Include(c => c.Elements).SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (campaign is null || campaign.Status != ExperimentStatus.Running)
        {
            return;
        }

        var statuses = await CampaignStatuses.OfAsync(db, campaign, cancellationToken);
        var definition = ExperimentWorkflow.FromJson<CreateCampaign>(campaign.Definition);
        var cells = CampaignGrid.Cells(definition.Axes!);
        if (campaign.CancelRequested)
        {
            // Last first: the services a throttle holds back are cancelled before the running ones free their slots.
            foreach (var element in campaign.Elements.Where(e => StatusOf(statuses, e) == ExperimentStatus.Running).OrderByDescending(e => e.Index))
            {
                await sender.Send(new CancelExperiment(element.ExperimentId), cancellationToken);
            }

            // Started just before a host stop but never created: nothing runs, and nothing will.
            foreach (var element in campaign.Elements.Where(e => e.StartedAt is not null && e.Error is null && StatusOf(statuses, e) is null))
            {
                element.Error = "cancelled before its experiment was created";
            }
        }
        else
        {
            // Elements of an array all start at once: the scheduler keeps the throttle (%N), and their experiments wait for
            // their turn in the queue. Elements alone in their shape (and campaigns made before arrays) are throttled here.
            var active = campaign.Elements.Count(e => e.ArrayId is null && (StatusOf(statuses, e) == ExperimentStatus.Running
                || (e.StartedAt is not null && e.Error is null && !statuses.ContainsKey(e.ExperimentId))));
            foreach (var element in campaign.Elements.Where(e => e.StartedAt is null).OrderBy(e => e.Index))
            {
                if (element.ArrayId is null && active >= campaign.Throttle)
                {
                    break;
                }

                // Recorded before it is asked for: the id makes a repeat of the request harmless.
                element.StartedAt = time.GetUtcNow();
                await db.SaveChangesAsync(cancellationToken);
                active++;
                await StartAsync(element, definition, cells[element.Cell], campaign, cancellationToken);
            }

            // Started but never recorded by the experiments table (a stop in between): asked again, harmlessly.
            foreach (var element in campaign.Elements.Where(e => e.StartedAt is not null && e.Error is null && !statuses.ContainsKey(e.ExperimentId)
                && time.GetUtcNow() - e.StartedAt > TimeSpan.FromSeconds(30)))
            {
                await StartAsync(element, definition, cells[element.Cell], campaign, cancellationToken);
            }
        }

        statuses = await CampaignStatuses.OfAsync(db, campaign, cancellationToken);
        var ended = campaign.Elements.All(e => e.Error is not null
            || StatusOf(statuses, e) is ExperimentStatus.Completed or ExperimentStatus.Failed or ExperimentStatus.Cancelled
            || (campaign.CancelRequested && e.StartedAt is null));
        if (ended)
        {
            var now = time.GetUtcNow();
            campaign.Status = campaign.CancelRequested ? ExperimentStatus.Cancelled : ExperimentStatus.Completed;
            campaign.FinishedAt = now;
            campaign.UpdatedAt = now;
            logger.LogInformation("Campaign {Id} {Status}", campaign.Id, campaign.Status.WireName());
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    private static string Clip(string text) => text.Length > 2048 ? text[..2045] + "..." : text;

    /// <summary>The element's experiment's status; null while it does not exist (not <c>default</c>, which is <c>Running</c>).</summary>
    private static ExperimentStatus? StatusOf(Dictionary<Guid, ElementState> statuses, CampaignElement e) =>
        statuses.TryGetValue(e.ExperimentId, out var state) ? state.Status : null;

    private async Task StartAsync(CampaignElement element, CreateCampaign definition, CampaignCell cell, Campaign campaign, CancellationToken ct)
    {
        try
        {
            var experiment = CampaignGrid.ExperimentOf(definition.Base!, cell, element.Repeat, definition.Repeats, campaign.Name)
                with { Id = element.ExperimentId };
            if (element is { ArrayId: { } array, ArrayIndex: { } index, ArraySize: { } size })
            {
                experiment = experiment with
                {
                    Array = new ServiceArray(array, index, size, Math.Min(campaign.Throttle, size)),
                    ReadyTimeout = element.ReadyTimeoutSeconds is { } ready ? $"{ready}s" : experiment.ReadyTimeout,
                };
            }

            await sender.Send(experiment, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The recipe or the site changed since the campaign was checked, or the module refused: this element fails, the
            // others go on (a stalled element would hold a throttle slot for good).
            var why = e is ValidationException v ? string.Join(" ", v.Errors.Select(f => f.ErrorMessage).Distinct()) : e.Message;
            element.Error = Clip($"could not start: {why}");
            logger.LogWarning("Campaign {Campaign}, element {Index}: {Error}", campaign.Id, element.Index, element.Error);
        }
    }
}
