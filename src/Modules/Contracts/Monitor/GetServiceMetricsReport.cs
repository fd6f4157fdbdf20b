using Mediator;

namespace Aibench.Contracts.Monitor;

/// <summary>
/// Asks the Monitor module for the report section of an experiment's service metrics over a window: the service's own
/// view of the run (requests running and waiting, KV cache, preemptions, GPU use where exported) and the latency
/// percentiles and TTFT parts from its histograms. Only Monitor knows the metric names (ADR 0014). No parts when
/// nothing was scraped.
/// </summary>
/// <param name="Experiment">Whose services' series.</param>
/// <param name="From">Start of the window (the load's start).</param>
/// <param name="To">End of the window.</param>
public sealed record GetServiceMetricsReport(Guid Experiment, DateTimeOffset From, DateTimeOffset To) : IQuery<IReadOnlyList<ReportPart>>;
