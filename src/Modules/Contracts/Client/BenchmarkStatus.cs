using System.Text.Json.Serialization;

namespace Aibench.Contracts.Client;

/// <summary>Where a load-generation run is in its life. On the wire by <see cref="WireNames">wire name</see> (<c>pending</c>, …).</summary>
[JsonConverter(typeof(WireNameJsonConverter<BenchmarkStatus>))]
public enum BenchmarkStatus
{
    /// <summary>Stored; its job has not started it yet.</summary>
    Pending,

    /// <summary>Sending load.</summary>
    Running,

    /// <summary>Ran its whole plan.</summary>
    Completed,

    /// <summary>Stopped early (a cancel while running); what it measured until then is kept.</summary>
    Partial,

    /// <summary>Could not run or broke off; the error says why.</summary>
    Failed,

    /// <summary>Cancelled before it sent anything.</summary>
    Cancelled,
}
