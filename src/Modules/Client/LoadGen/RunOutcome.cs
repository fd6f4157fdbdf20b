using HdrHistogram;

namespace Aibench.Client.LoadGen;

/// <summary>What a run measured: every request, the pooled inter-token gaps per step, the per-second series.</summary>
internal sealed record RunOutcome(
    LoadPlan Plan,
    string Dataset,
    DateTimeOffset StartedAt,
    IReadOnlyList<RequestRecord> Records,
    IReadOnlyList<LongHistogram> ItlUs,
    PerSecond Series,
    IReadOnlyList<StepWindow> Steps,
    long MaxInFlight,
    string StopReason,
    bool Partial,
    IReadOnlyDictionary<string, string> ErrorSamples)
{
    /// <summary>Each request's chunk gaps and kept text, entry for entry with <see cref="Records"/>.</summary>
    public RequestDetails Details { get; init; } = RequestDetails.None;
}
