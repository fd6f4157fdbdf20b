namespace Aibench.Experiments.Planning;

/// <summary>
/// One probe of a capacity search: a load run at one request rate, and once it ended what it measured. The counts are
/// the measured requests only (after the probe's settling period).
/// </summary>
/// <param name="Index">Its place in the search, from 1.</param>
/// <param name="Rate">The rate it offered, req/s.</param>
/// <param name="BenchmarkId">Its load run in the Client module.</param>
/// <param name="StartedAt">When it was asked for.</param>
/// <param name="Finished">Whether it ended and the numbers below are set.</param>
/// <param name="Measured">Measured requests (completed and failed).</param>
/// <param name="Met">Measured requests that met every objective.</param>
/// <param name="Failed">Measured requests that failed.</param>
/// <param name="DurationSeconds">Its measured window.</param>
/// <param name="AchievedRate">Requests actually sent per second.</param>
/// <param name="RequestThroughput">Completed requests per second.</param>
/// <param name="OutputTokenThroughput">Output tokens per second.</param>
/// <param name="TtftP90Ms">90th percentile time to first token.</param>
/// <param name="E2eP90Ms">90th percentile end-to-end latency.</param>
/// <param name="Objectives">Share of the measured requests that met each objective on its own.</param>
/// <param name="StoppedEarly">It stopped once the target could no longer be met (a clear fail, reached in seconds).</param>
/// <param name="ClientLimited">The client, not the service, limited it; the reasons are in its run.</param>
public sealed record CapacityProbe(
    int Index,
    double Rate,
    Guid BenchmarkId,
    DateTimeOffset StartedAt,
    bool Finished = false,
    long Measured = 0,
    long Met = 0,
    long Failed = 0,
    double DurationSeconds = 0,
    double? AchievedRate = null,
    double RequestThroughput = 0,
    double OutputTokenThroughput = 0,
    double? TtftP90Ms = null,
    double? E2eP90Ms = null,
    IReadOnlyDictionary<string, double>? Objectives = null,
    bool StoppedEarly = false,
    bool ClientLimited = false)
{
    /// <summary>Share of the measured requests that met every objective.</summary>
    public double? Attainment => Measured == 0 ? null : Math.Round((double)Met / Measured, 6);

    /// <summary>Share of the measured requests that failed.</summary>
    public double ErrorRate => Measured == 0 ? 0 : Math.Round((double)Failed / Measured, 6);

    /// <summary>Requests per second that met every objective: met / measured window.</summary>
    public double Goodput => DurationSeconds > 0 ? Math.Round(Met / DurationSeconds, 4) : 0;
}
