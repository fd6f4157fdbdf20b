using Mediator;

namespace Aibench.Contracts.Client;

/// <summary>
/// Starts a load-generation run. The run is stored as <c>pending</c> and carried out in the background; the answer
/// comes at once. Fails with a validation error naming the field, not found for an unknown service, or a conflict
/// when the service is not ready.
/// </summary>
/// <param name="Spec">What to run.</param>
public sealed record StartBenchmark(BenchmarkSpec Spec) : ICommand<BenchmarkRef>;

/// <summary>Stops a run; what it measured so far is kept and marked partial. Idempotent.</summary>
/// <param name="BenchmarkId">The run.</param>
public sealed record CancelBenchmark(Guid BenchmarkId) : ICommand<BenchmarkRef>;

/// <summary>A run and its state.</summary>
/// <param name="Id">The run's id.</param>
/// <param name="Status"><c>pending</c>, <c>running</c>, <c>completed</c>, <c>partial</c>, <c>failed</c> or <c>cancelled</c>.</param>
public sealed record BenchmarkRef(Guid Id, string Status);

/// <summary>Published about once a second while a run is going.</summary>
/// <param name="BenchmarkId">The run.</param>
/// <param name="ExperimentId">Its experiment, if any.</param>
/// <param name="ElapsedSeconds">Time since the run started.</param>
/// <param name="Step">Current step, from 1.</param>
/// <param name="Steps">Number of steps.</param>
/// <param name="StepLabel">What the step does, e.g. <c>20 req/s</c>.</param>
/// <param name="Sent">Requests sent so far.</param>
/// <param name="Completed">Requests completed so far.</param>
/// <param name="Errors">Requests failed so far.</param>
/// <param name="InFlight">Requests in flight now.</param>
/// <param name="RequestsPerSecond">Completed in the last full second.</param>
/// <param name="OutputTokensPerSecond">Output tokens received in the last full second.</param>
/// <param name="TtftMeanMs">Mean time to first token of the first tokens of the last full second.</param>
public sealed record BenchmarkProgressed(
    Guid BenchmarkId,
    Guid? ExperimentId,
    double ElapsedSeconds,
    int Step,
    int Steps,
    string StepLabel,
    long Sent,
    long Completed,
    long Errors,
    long InFlight,
    double RequestsPerSecond,
    double OutputTokensPerSecond,
    double? TtftMeanMs) : INotification;

/// <summary>Published once when a run reaches an end state.</summary>
/// <param name="BenchmarkId">The run.</param>
/// <param name="ExperimentId">Its experiment, if any.</param>
/// <param name="Status"><c>completed</c>, <c>partial</c>, <c>failed</c> or <c>cancelled</c>.</param>
/// <param name="Error">Why it failed, when it did.</param>
public sealed record BenchmarkFinished(Guid BenchmarkId, Guid? ExperimentId, string Status, string? Error) : INotification;
