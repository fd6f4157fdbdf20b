namespace Aibench.Contracts.Client;

/// <summary>A run checked against its references.</summary>
/// <param name="Passed">Every figure within its bounds.</param>
/// <param name="Checks">One per figure, in the order given.</param>
/// <param name="Summary">The verdict in a sentence naming each figure out of bounds.</param>
/// <param name="Baseline">The experiment whose figures stood in for omitted values, if any.</param>
public sealed record ReferenceVerdict(bool Passed, IReadOnlyList<ReferenceCheck> Checks, string Summary, Guid? Baseline = null);
