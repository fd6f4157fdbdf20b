using System.Text.Json.Serialization;

namespace Aibench.Contracts.Experiments;

/// <summary>
/// Whether an experiment is still going or how it ended: <c>running</c>, <c>completed</c>, <c>failed</c> or
/// <c>cancelled</c>. The end statuses are also its last <see cref="ExperimentStage"/>.
/// </summary>
[JsonConverter(typeof(WireNameJsonConverter<ExperimentStatus>))]
public enum ExperimentStatus
{
    /// <summary>Its workflow is still going (in any stage before the end).</summary>
    Running,

    /// <summary>It ran to the end.</summary>
    Completed,

    /// <summary>Something went wrong.</summary>
    Failed,

    /// <summary>Cancelled on request.</summary>
    Cancelled,
}
