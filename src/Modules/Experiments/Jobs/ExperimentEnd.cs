using Aibench.Contracts.Experiments;
using Aibench.Experiments.Persistence;
using Aibench.Experiments.Planning;
using Mediator;
using Microsoft.Extensions.Logging;

namespace Aibench.Experiments.Jobs;

/// <summary>
/// The <see cref="ExperimentFinished"/> notification of an experiment that just reached its end. Kept apart from the
/// workflow, which only calls <see cref="PublishAsync"/> once the end is stored.
/// </summary>
internal static class ExperimentEnd
{
    /// <summary>Publishes the end; a failing subscriber is logged and never stops the workflow (the end is stored already).</summary>
    public static async Task PublishAsync(IPublisher publisher, Experiment e, ILogger logger, CancellationToken ct)
    {
        try
        {
            await publisher.Publish(Of(e), ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "ExperimentFinished for {Id} not delivered", e.Id);
        }
    }

    public static ExperimentFinished Of(Experiment e)
    {
        var result = e.Result is null ? null : ExperimentWorkflow.FromJson<ExperimentResult>(e.Result);
        var outcome = e.Status switch
        {
            ExperimentStatus.Completed => ExperimentOutcome.Completed,
            ExperimentStatus.Cancelled => ExperimentOutcome.Cancelled,
            _ => ExperimentOutcome.Failed,
        };
        // The stage it worked in last: winding down (stopping) and the end state itself say nothing about where it ended.
        var last = e.Stages.Where(s => s.Stage is not (ExperimentStage.Stopping or ExperimentStage.Completed or ExperimentStage.Failed
            or ExperimentStage.Cancelled))
            .OrderBy(s => s.StartedAt).ThenBy(s => s.Id).LastOrDefault()?.Stage ?? ExperimentStage.Pending;
        return new ExperimentFinished(e.Id, e.Name, e.Recipe, e.TestType, outcome, e.Reason, last, result?.Slo?.Passed, result?.Slo?.Summary,
            Headline(result), e.ServiceId, e.FinishedAt ?? e.UpdatedAt);
    }

    private static ExperimentHeadline? Headline(ExperimentResult? result)
    {
        if (result?.Overall is not { } o)
        {
            return null;
        }

        var measured = o.Completed + o.Failed;
        return new ExperimentHeadline(o.Completed, o.Failed, o.RequestThroughput, o.OutputTokenThroughput, o.TtftP50Ms, o.TtftP99Ms, o.E2eP99Ms,
            measured == 0 ? 0 : Math.Round((double)o.Failed / measured, 6), result.Partial);
    }
}
