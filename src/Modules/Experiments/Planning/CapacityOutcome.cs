namespace Aibench.Experiments.Planning;

/// <summary>
/// What a capacity search found (so far, while it runs): the highest request rate at which the SLO holds, bracketed by
/// the highest rate that passed and the lowest that failed. docs/metrics.md gives the formulas.
/// </summary>
/// <param name="Rate">
/// The capacity, req/s: the middle of [<paramref name="Lower"/>, <paramref name="Upper"/>]; with
/// <paramref name="AtLeast"/> the highest rate that passed. Null when no rate passed.
/// </param>
/// <param name="Lower">The highest rate that passed (measured), req/s.</param>
/// <param name="Upper">The lowest rate that failed (measured), req/s.</param>
/// <param name="HalfWidthPercent">(upper − lower) / (upper + lower) × 100: the capacity is known to ± this.</param>
/// <param name="OutputTokensPerSecond">The capacity in output tokens/s: the rate × the output tokens per request of the passing probes.</param>
/// <param name="OutputTokensLower">The same at <paramref name="Lower"/>.</param>
/// <param name="OutputTokensUpper">The same at <paramref name="Upper"/>.</param>
/// <param name="AtLeast">The service carried more than was found: the client limited a probe, or the search reached its highest rate.</param>
/// <param name="Ended">
/// Why the search stopped: <c>converged</c> (within the tolerance), <c>budget</c> (the experiment's duration ran out),
/// <c>client-limited</c>, <c>max-rate</c>, <c>below-start</c> (even far below the start rate the SLO did not hold), or
/// <c>running</c> while it goes on.
/// </param>
/// <param name="BrokeFirst">At the lowest failing rate, what broke: <c>errors</c>, or the objective met by the fewest requests.</param>
/// <param name="Summary">The outcome in a sentence.</param>
/// <param name="Probes">Every probe in the order they ran: the goodput curve.</param>
public sealed record CapacityOutcome(
    double? Rate,
    double? Lower,
    double? Upper,
    double? HalfWidthPercent,
    double? OutputTokensPerSecond,
    double? OutputTokensLower,
    double? OutputTokensUpper,
    bool AtLeast,
    string Ended,
    string? BrokeFirst,
    string Summary,
    IReadOnlyList<CapacityProbe> Probes)
{
    /// <summary>
    /// <c>rate</c>: <see cref="Rate"/>, <see cref="Lower"/> and <see cref="Upper"/> are request rates. <c>concurrency</c>:
    /// they are requests in flight, and <see cref="Rate"/> is the most that held (not a middle: in flight is whole).
    /// </summary>
    public string Mode { get; init; } = ExperimentCapacity.RateMode;

    /// <summary>
    /// The capacity as a request rate, req/s, in either mode: <see cref="Rate"/> in rate mode; in concurrency mode what the
    /// probes at <see cref="Lower"/> carried (measured). Null in results stored before it existed (read <see cref="Rate"/>).
    /// </summary>
    public double? RequestRate { get; init; }
}
