using Mediator;

namespace Aibench.Contracts.Client;

/// <summary>
/// Asks the Client module for a run's latency distributions: percentiles of TTFT, TPOT and E2E, and each latency at
/// a fixed set of percentiles (a quantile curve, the CDF turned on its side) so that several runs can be drawn on
/// one chart. Answers <c>null</c> when no such run exists.
/// </summary>
/// <param name="BenchmarkId">The run.</param>
public sealed record GetLatencyDistribution(Guid BenchmarkId) : IQuery<LatencyDistribution?>;

/// <summary>A run's latency distributions over its measured, completed requests (warm-up left out). Milliseconds.</summary>
/// <param name="Id">The run.</param>
/// <param name="Ttft">Time to first token percentiles; null without streaming or results.</param>
/// <param name="Tpot">Time per output token percentiles; null without streaming or results.</param>
/// <param name="E2e">End-to-end latency percentiles; null without results.</param>
/// <param name="ErrorRate">Share of the measured requests that failed; null without results.</param>
/// <param name="Percentiles">The percentiles the curves are taken at (same for every run), e.g. 1, 5, …, 99, 99.9.</param>
/// <param name="TtftCurve">TTFT at each of <paramref name="Percentiles"/>; empty when the requests were not kept or not streamed.</param>
/// <param name="E2eCurve">E2E at each of <paramref name="Percentiles"/>; empty when the requests were not kept.</param>
public sealed record LatencyDistribution(
    Guid Id,
    LatencyPercentiles? Ttft,
    LatencyPercentiles? Tpot,
    LatencyPercentiles? E2e,
    double? ErrorRate,
    IReadOnlyList<double> Percentiles,
    IReadOnlyList<double> TtftCurve,
    IReadOnlyList<double> E2eCurve);

/// <summary>Three percentiles of one latency, in milliseconds.</summary>
/// <param name="P50">Median.</param>
/// <param name="P90">90th percentile.</param>
/// <param name="P99">99th percentile.</param>
public sealed record LatencyPercentiles(double P50, double P90, double P99);
