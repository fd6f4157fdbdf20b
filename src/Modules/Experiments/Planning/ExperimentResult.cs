using Aibench.Contracts.Client;
using Aibench.Contracts.Monitor;
using Aibench.Shared.Text;

namespace Aibench.Experiments.Planning;

/// <summary>What an experiment measured and how it is judged.</summary>
/// <param name="BenchmarkId">The measured load run.</param>
/// <param name="BenchmarkStatus">Its end state: completed, partial (cut short by a cancel), failed or cancelled; stored and sent by wire
/// name.</param>
/// <param name="Partial">Whether the numbers cover only part of the planned load.</param>
/// <param name="Error">Why the run failed, when it did.</param>
/// <param name="Overall">Headline numbers of the whole run.</param>
/// <param name="Steps">One row per step (a sweep has several).</param>
/// <param name="Slo">The SLO verdict, when objectives were given.</param>
/// <param name="Stress">For a stress test: the rate at which the service broke.</param>
/// <param name="Drift">For a soak test: how the start and the end of the run compare.</param>
/// <param name="References">The run checked against the experiment's references, when it had any.</param>
/// <param name="Capacity">For a capacity test: the highest rate at which the SLO held, and every probe of the search.</param>
/// <param name="Ttft">
/// The client's TTFT beside the service's own queue, prefill, decode, TTFT and E2E histograms over the run, and the
/// remainder (network and client); set once the last scrape after the run was taken (the collecting stage).
/// </param>
public sealed record ExperimentResult(
    Guid BenchmarkId,
    BenchmarkStatus BenchmarkStatus,
    bool Partial,
    string? Error,
    BenchmarkStepResult? Overall,
    IReadOnlyList<BenchmarkStepResult> Steps,
    SloVerdict? Slo,
    StressOutcome? Stress,
    SoakDrift? Drift,
    TtftBreakdown? Ttft = null,
    CapacityOutcome? Capacity = null,
    ReferenceVerdict? References = null);

/// <summary>Whether the service met its objectives.</summary>
/// <param name="Passed">True when enough requests met every objective and few enough failed.</param>
/// <param name="Attainment">Share of the measured requests that met every objective.</param>
/// <param name="Target">The share needed.</param>
/// <param name="ErrorRate">Share of the measured requests that failed.</param>
/// <param name="MaxErrorRate">The most allowed.</param>
/// <param name="Summary">The verdict in a sentence.</param>
public sealed record SloVerdict(bool Passed, double? Attainment, double Target, double ErrorRate, double MaxErrorRate, string Summary);

/// <summary>Where a stress ramp broke the objectives or the error limit.</summary>
/// <param name="Broken">Whether it broke before the ramp ended.</param>
/// <param name="BreakingRate">The ramp's request rate when it broke.</param>
/// <param name="AchievedRate">Requests actually sent per second around then.</param>
/// <param name="AtSecond">Seconds into the run.</param>
/// <param name="Cause">What broke first, e.g. <c>mean TTFT 2450 ms &gt; 2s</c>, or why it held.</param>
/// <param name="HighestRate">The highest rate the ramp reached.</param>
public sealed record StressOutcome(bool Broken, double? BreakingRate, double? AchievedRate, long? AtSecond, string Cause, double HighestRate);

/// <summary>The first and last third of a long run side by side.</summary>
public sealed record SoakDrift(
    double? TtftFirstMs,
    double? TtftLastMs,
    double? TtftChangePercent,
    double TokensPerSecondFirst,
    double TokensPerSecondLast,
    double? ThroughputChangePercent,
    long ErrorsFirst,
    long ErrorsLast);
