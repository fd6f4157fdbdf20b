using Aibench.Contracts.Client;

namespace Aibench.Experiments.Planning;

/// <summary>
/// An experiment's references as fixed when it was created: the bounds given and, for the figures given without a
/// value, the figures of the last passing experiment of the same recipe, nodes, parameters and test type. Fixed then,
/// so that the verdict is explainable (it names its baseline) and the same however often the result is read.
/// </summary>
/// <param name="Bounds">The references as given.</param>
/// <param name="BaselineId">The experiment whose figures stand in for omitted values; null when none was needed or found.</param>
/// <param name="Baseline">Its figures (docs/metrics.md, "References").</param>
public sealed record ExperimentReferences(
    IReadOnlyDictionary<string, ReferenceBound> Bounds,
    Guid? BaselineId = null,
    IReadOnlyDictionary<string, double?>? Baseline = null);
