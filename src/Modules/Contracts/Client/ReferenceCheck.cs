namespace Aibench.Contracts.Client;

/// <summary>A reference check's outcome for one figure.</summary>
/// <param name="Figure">The figure, e.g. <c>throughput</c>.</param>
/// <param name="Measured">What the run measured, in the figure's unit.</param>
/// <param name="Reference">The reference value.</param>
/// <param name="Low">The lowest value allowed; null for no lower bound.</param>
/// <param name="High">The highest value allowed; null for no upper bound.</param>
/// <param name="Passed">Whether the measured value is within the bounds (a figure with nothing to compare passes, and says so).</param>
/// <param name="Note">The check in words, e.g. <c>throughput 1130 req/s is below 1140 (1200 − 5 %)</c>.</param>
public sealed record ReferenceCheck(string Figure, double? Measured, double? Reference, double? Low, double? High, bool Passed, string Note);
