using Mediator;

namespace Aibench.Contracts.Experiments;

/// <summary>
/// Published whenever an experiment moves to another stage, ends, or its reason changes (e.g. "queued for 3 min:
/// Priority"), after the change is stored. Live views follow experiments through it instead of polling; a view that
/// (re)connects reads the current state once, since notifications are not replayed.
/// </summary>
/// <param name="ExperimentId">The experiment.</param>
/// <param name="Stage">
/// Its stage: <c>pending</c>, <c>deploying</c>, <c>waiting</c>, <c>warmup</c>, <c>loading</c>, <c>collecting</c>,
/// <c>stopping</c>, <c>summarising</c>, then <c>completed</c>, <c>failed</c> or <c>cancelled</c>. A cancel or a failure
/// goes through <c>stopping</c> (the load and the service are stopped, what was measured is kept) to its end.
/// </param>
/// <param name="Status"><c>running</c>, <c>completed</c>, <c>failed</c> or <c>cancelled</c>.</param>
/// <param name="Reason">What is happening or went wrong, when there is something to say.</param>
/// <param name="ServiceId">Its service, once deployed.</param>
/// <param name="BenchmarkId">Its measured load run, once started.</param>
/// <param name="At">When the change happened.</param>
public sealed record ExperimentChanged(
    Guid ExperimentId,
    string Stage,
    string Status,
    string? Reason,
    Guid? ServiceId,
    Guid? BenchmarkId,
    DateTimeOffset At) : INotification;
