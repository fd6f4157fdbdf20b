using System.Text.Json.Serialization;

namespace Aibench.Contracts.Experiments;

/// <summary>
/// Where an experiment's workflow is. It goes <c>pending</c>, <c>deploying</c>, <c>waiting</c>, <c>warmup</c> (when it
/// has one), <c>loading</c>, <c>collecting</c>, <c>stopping</c>, <c>summarising</c>, then ends in <c>completed</c>,
/// <c>failed</c> or <c>cancelled</c>; a cancel or a failure goes through <c>stopping</c> to its end. On the wire and in
/// the database by <see cref="WireNames">wire name</see>.
/// </summary>
[JsonConverter(typeof(WireNameJsonConverter<ExperimentStage>))]
public enum ExperimentStage
{
    /// <summary>Stored, not yet looked at by the workflow.</summary>
    Pending,

    /// <summary>Its service is being handed to the Server module.</summary>
    Deploying,

    /// <summary>Waiting for the service to be ready (queued, starting, restarting).</summary>
    Waiting,

    /// <summary>An unmeasured warm-up load runs.</summary>
    Warmup,

    /// <summary>The measured load runs.</summary>
    Loading,

    /// <summary>The load ended; the last metrics scrape and log lines are taken.</summary>
    Collecting,

    /// <summary>The load and the service are being stopped.</summary>
    Stopping,

    /// <summary>The result is being written.</summary>
    Summarising,

    /// <summary>Ended: ran to the end.</summary>
    Completed,

    /// <summary>Ended: something went wrong.</summary>
    Failed,

    /// <summary>Ended: cancelled on request.</summary>
    Cancelled,
}
