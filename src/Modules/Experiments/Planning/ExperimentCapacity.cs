namespace Aibench.Experiments.Planning;

/// <summary>
/// How a <c>capacity</c> test searches for the highest request rate at which the SLO holds (docs/experiments.md). The
/// experiment's duration is the search's time budget.
/// </summary>
/// <param name="Start">The first probe's rate, req/s (default 1 per replica).</param>
/// <param name="Tolerance">The search ends when the capacity is known to ± this share of itself (default 0.05).</param>
/// <param name="MinRequests">Measured requests each probe sends after its settling period (default 200).</param>
/// <param name="Settle">Each probe's settling period, sent at its rate but not counted (default 5s).</param>
/// <param name="MaxRate">No probe goes above this rate, req/s (default 10000).</param>
/// <param name="Repeats">Most probes at one rate when its verdict is too close to the target to call (default 3).</param>
/// <param name="Mode">
/// <c>rate</c> (default): open loop, the capacity is a request rate. <c>concurrency</c>: closed loop, the capacity is
/// the most requests in flight at which the SLO holds, with the request rate that carried; <see cref="Start"/> and
/// <see cref="MaxRate"/> are then numbers of requests in flight.
/// </param>
public sealed record ExperimentCapacity(
    double? Start = null,
    double? Tolerance = null,
    int? MinRequests = null,
    string? Settle = null,
    double? MaxRate = null,
    int? Repeats = null,
    string? Mode = null)
{
    public const string RateMode = "rate";
    public const string ConcurrencyMode = "concurrency";
    public const int DefaultMaxConcurrency = 1024;

    /// <summary>A closed-loop search over requests in flight.</summary>
    public bool Closed => Mode == ConcurrencyMode;

    public const double DefaultTolerance = 0.05;
    public const int DefaultMinRequests = 200;
    public const string DefaultSettle = "5s";
    public const double DefaultMaxRate = 10_000;

    /// <summary>The highest <see cref="MaxRate"/> accepted: a probe's request count must stay a count.</summary>
    public const double HighestRate = 1_000_000;
    public const int DefaultRepeats = 3;

    /// <summary>Every option given or defaulted, as the search reads them.</summary>
    internal ExperimentCapacity Resolved(int replicas)
    {
        var max = MaxRate ?? (Closed ? DefaultMaxConcurrency : DefaultMaxRate);
        return new(Start ?? Math.Min(Math.Max(1, replicas), max), Tolerance ?? DefaultTolerance, MinRequests ?? DefaultMinRequests,
            Settle ?? DefaultSettle, max, Repeats ?? DefaultRepeats, Mode ?? RateMode);
    }
}
