using Mediator;

namespace Aibench.Contracts.Experiments;

/// <summary>
/// Published whenever an experiment moves to another stage, ends, or its reason changes (e.g. "queued for 3 min:
/// Priority"), after the change is stored. Live views follow experiments through it instead of polling; a view that
/// (re)connects reads the current state once, since notifications are not replayed.
/// </summary>
/// <param name="ExperimentId">The experiment.</param>
/// <param name="Stage">
/// Its stage. A cancel or a failure goes through <see cref="ExperimentStage.Stopping"/> (the load and the service are
/// stopped, what was measured is kept) to its end.
/// </param>
/// <param name="Status">Whether it is still running or how it ended.</param>
/// <param name="Reason">What is happening or went wrong, when there is something to say.</param>
/// <param name="ServiceId">Its service, once deployed.</param>
/// <param name="BenchmarkId">Its measured load run, once started.</param>
/// <param name="At">When the change happened.</param>
public sealed record ExperimentChanged(
    Guid ExperimentId,
    ExperimentStage Stage,
    ExperimentStatus Status,
    string? Reason,
    Guid? ServiceId,
    Guid? BenchmarkId,
    DateTimeOffset At) : INotification;

/// <summary>How an experiment ended.</summary>
public enum ExperimentOutcome
{
    /// <summary>It ran to the end; its SLO verdict (if any) says whether the service met its objectives.</summary>
    Completed,

    /// <summary>Something went wrong (the service failed, the load failed or hung); the reason says what.</summary>
    Failed,

    /// <summary>Cancelled on request; what was measured until then is kept.</summary>
    Cancelled,
}

/// <summary>The headline numbers of an experiment's measured load, as its result page shows them.</summary>
/// <param name="Completed">Requests that completed.</param>
/// <param name="Failed">Requests that failed.</param>
/// <param name="RequestsPerSecond">Completed requests per second over the measured run.</param>
/// <param name="OutputTokensPerSecond">Output tokens received per second over the measured run.</param>
/// <param name="TtftP50Ms">Median time to first token, when any request got one.</param>
/// <param name="TtftP99Ms">99th percentile of the time to first token.</param>
/// <param name="E2eP99Ms">99th percentile of the end-to-end latency.</param>
/// <param name="ErrorRate">Failed / (completed + failed); 0 when nothing was measured.</param>
/// <param name="Partial">Whether the numbers cover only part of the planned load (cut short by a cancel or a failure).</param>
public sealed record ExperimentHeadline(
    long Completed,
    long Failed,
    double RequestsPerSecond,
    double OutputTokensPerSecond,
    double? TtftP50Ms,
    double? TtftP99Ms,
    double? E2eP99Ms,
    double ErrorRate,
    bool Partial);

/// <summary>
/// Published once when an experiment reaches its end (completed, failed or cancelled), after the end is stored.
/// Alerting subscribes to it; like every notification it is not replayed, so a host that stops between storing the
/// end and publishing loses it.
/// </summary>
/// <param name="ExperimentId">The experiment.</param>
/// <param name="Name">Its name.</param>
/// <param name="Recipe">The recipe it deployed.</param>
/// <param name="TestType">Its test type (<c>throughput</c>, <c>latency</c>, <c>stress</c>, <c>soak</c>, <c>sweep</c>).</param>
/// <param name="Outcome">How it ended.</param>
/// <param name="Reason">Why it failed or was cancelled; for a completed one, its result in a sentence.</param>
/// <param name="LastStage">
/// The last stage it worked in before its end (winding down excluded): where a failure or a cancel happened, e.g.
/// <see cref="ExperimentStage.Waiting"/> or <see cref="ExperimentStage.Loading"/>; <see cref="ExperimentStage.Summarising"/>
/// for a completed one.
/// </param>
/// <param name="SloPassed">The SLO verdict; null when no objectives were given or nothing was measured.</param>
/// <param name="SloSummary">The verdict in a sentence.</param>
/// <param name="Headline">The measured load's headline numbers; null when no load was measured.</param>
/// <param name="ServiceId">Its service, once deployed.</param>
/// <param name="At">When it ended.</param>
public sealed record ExperimentFinished(
    Guid ExperimentId,
    string Name,
    string Recipe,
    string TestType,
    ExperimentOutcome Outcome,
    string? Reason,
    ExperimentStage LastStage,
    bool? SloPassed,
    string? SloSummary,
    ExperimentHeadline? Headline,
    Guid? ServiceId,
    DateTimeOffset At) : INotification;
