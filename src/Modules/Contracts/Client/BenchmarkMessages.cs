using Mediator;

namespace Aibench.Contracts.Client;

/// <summary>
/// Starts a load-generation run. The run is stored as <c>pending</c> and carried out in the background; the answer
/// comes at once. Fails with a validation error naming the field, not found for an unknown service, or a conflict
/// when the service is not ready.
/// </summary>
/// <param name="Spec">What to run.</param>
/// <param name="Id">
/// The id the new run gets, chosen by the caller so that a retried request is harmless: when a run with this id
/// exists already, it is answered as it is and nothing new is started. A new id when omitted.
/// </param>
public sealed record StartBenchmark(BenchmarkSpec Spec, Guid? Id = null) : ICommand<BenchmarkRef>;

/// <summary>
/// Checks a spec exactly as <see cref="StartBenchmark"/> would, without starting or storing anything (the service is
/// not looked up). Fails with the same validation errors, named by the spec's field paths (<c>load.rate</c>).
/// </summary>
/// <param name="Spec">What would be run.</param>
public sealed record CheckBenchmark(BenchmarkSpec Spec) : IQuery<BenchmarkPlan>;

/// <summary>The shape of a run as the load generator would carry it out.</summary>
/// <param name="Steps">Steps (one, or one per sweep entry).</param>
/// <param name="StepSeconds">Seconds each step sends requests for, when a duration is given.</param>
/// <param name="StepLabels">What each step does, e.g. <c>20 req/s</c>.</param>
public sealed record BenchmarkPlan(int Steps, double? StepSeconds, IReadOnlyList<string> StepLabels);

/// <summary>
/// Asks the Client module what a run measured: its state, headline numbers, one row per step and the per-second
/// series. Answers <c>null</c> when no such run exists; the numbers are null until the run has ended.
/// </summary>
/// <param name="BenchmarkId">The run.</param>
public sealed record GetBenchmarkResult(Guid BenchmarkId) : IQuery<BenchmarkResult?>;

/// <summary>What a run measured, as other modules may summarise or judge it.</summary>
/// <param name="Id">The run.</param>
/// <param name="Status">Its state.</param>
/// <param name="Error">Why it failed, when it did.</param>
/// <param name="StartedAt">When it started sending.</param>
/// <param name="FinishedAt">When it ended.</param>
/// <param name="Overall">The whole run (all steps together); null until it ended with results.</param>
/// <param name="Steps">One row per step, in order.</param>
/// <param name="Series">One point per second from the start of the run, for charts and for finding when something changed.</param>
/// <param name="StopReason">Why sending stopped: <c>duration</c>, <c>max-requests</c>, <c>slo-broken</c> or <c>cancelled</c>; null until it
/// ended.</param>
/// <param name="ClientLimited">The client, not the service, limited the run (its envelope's rules, docs/metrics.md).</param>
/// <param name="ClientLimitReasons">Which rule said so, with the figures.</param>
public sealed record BenchmarkResult(
    Guid Id,
    BenchmarkStatus Status,
    string? Error,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    BenchmarkStepResult? Overall,
    IReadOnlyList<BenchmarkStepResult> Steps,
    IReadOnlyList<BenchmarkSecond> Series,
    string? StopReason = null,
    bool ClientLimited = false,
    IReadOnlyList<string>? ClientLimitReasons = null);

/// <summary>Headline numbers of a run or of one of its steps. Latencies in milliseconds, throughputs per second.</summary>
/// <param name="Label">What the step did, e.g. <c>20 req/s</c>, or <c>all steps</c>.</param>
/// <param name="Concurrency">Its concurrency, for closed-loop steps.</param>
/// <param name="TargetRate">Its request rate, for open-loop steps.</param>
/// <param name="AchievedRate">Requests actually sent per second, for open-loop steps.</param>
/// <param name="DurationSeconds">Its measured window.</param>
/// <param name="Completed">Requests answered in full.</param>
/// <param name="Failed">Requests that failed (errors and timeouts).</param>
/// <param name="RequestThroughput">Completed requests per second.</param>
/// <param name="OutputTokenThroughput">Output tokens per second.</param>
/// <param name="TtftP50Ms">Median time to first token.</param>
/// <param name="TtftP99Ms">99th percentile time to first token.</param>
/// <param name="TpotP50Ms">Median time per output token.</param>
/// <param name="E2eP50Ms">Median end-to-end latency.</param>
/// <param name="E2eP99Ms">99th percentile end-to-end latency.</param>
/// <param name="GoodputFraction">Share of the measured requests that met every SLO, when SLOs were given.</param>
/// <param name="TtftMeanMs">Mean time to first token (the client's; what the server's queue and prefill means add up against).</param>
/// <param name="TtftP90Ms">90th percentile time to first token.</param>
/// <param name="E2eMeanMs">Mean end-to-end latency.</param>
/// <param name="E2eP90Ms">90th percentile end-to-end latency.</param>
/// <param name="ObjectiveAttainment">
/// For each objective given (<c>ttft</c>, <c>tpot</c>, <c>e2e</c>), the share of the measured requests that met that one
/// (a failed request meets none): which objective a run missed most.
/// </param>
/// <param name="TpotP99Ms">99th percentile time per output token.</param>
/// <param name="ItlP50Ms">Median inter-token latency (every gap between tokens, pooled over requests).</param>
/// <param name="ItlP99Ms">99th percentile inter-token latency.</param>
public sealed record BenchmarkStepResult(
    string Label,
    int? Concurrency,
    double? TargetRate,
    double? AchievedRate,
    double DurationSeconds,
    long Completed,
    long Failed,
    double RequestThroughput,
    double OutputTokenThroughput,
    double? TtftP50Ms,
    double? TtftP99Ms,
    double? TpotP50Ms,
    double? E2eP50Ms,
    double? E2eP99Ms,
    double? GoodputFraction,
    double? TtftMeanMs = null,
    double? TtftP90Ms = null,
    double? E2eMeanMs = null,
    double? E2eP90Ms = null,
    IReadOnlyDictionary<string, double>? ObjectiveAttainment = null,
    double? TpotP99Ms = null,
    double? ItlP50Ms = null,
    double? ItlP99Ms = null);

/// <summary>One second of a run.</summary>
/// <param name="T">Seconds since the run started (0 is the first second).</param>
/// <param name="Sent">Requests sent in that second.</param>
/// <param name="Completed">Requests completed in that second.</param>
/// <param name="Errors">Requests failed in that second.</param>
/// <param name="OutputTokens">Output tokens received in that second.</param>
/// <param name="TtftMeanMs">Mean time to first token of the first tokens received in that second.</param>
/// <param name="E2eMeanMs">Mean end-to-end latency of the requests completed in that second.</param>
public sealed record BenchmarkSecond(long T, long Sent, long Completed, long Errors, long OutputTokens, double? TtftMeanMs, double? E2eMeanMs);

/// <summary>Stops a run; what it measured so far is kept and marked partial. Idempotent.</summary>
/// <param name="BenchmarkId">The run.</param>
public sealed record CancelBenchmark(Guid BenchmarkId) : ICommand<BenchmarkRef>;

/// <summary>A run and its state.</summary>
/// <param name="Id">The run's id.</param>
/// <param name="Status">Its state (on the wire <c>pending</c>, <c>running</c>, …).</param>
public sealed record BenchmarkRef(Guid Id, BenchmarkStatus Status);

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
/// <param name="Status">Its end state: completed, partial, failed or cancelled.</param>
/// <param name="Error">Why it failed, when it did.</param>
public sealed record BenchmarkFinished(Guid BenchmarkId, Guid? ExperimentId, BenchmarkStatus Status, string? Error) : INotification;
