using Mediator;

namespace Aibench.Contracts.Client;

/// <summary>
/// Asks the Client module for the sections of a run's report (what was run, headline, steps, charts, distributions,
/// workers, definitions), rendered, so that the experiment's report can carry them. Answers <c>null</c> when no such run
/// exists, and no sections while it has not ended with results.
/// </summary>
/// <param name="BenchmarkId">The run.</param>
public sealed record GetBenchmarkReport(Guid BenchmarkId) : IQuery<BenchmarkReportParts?>;

/// <summary>A run's report sections.</summary>
/// <param name="Id">The run.</param>
/// <param name="Name">Its name.</param>
/// <param name="Status">Its state.</param>
/// <param name="Sections">In order; empty until the run ended with results.</param>
public sealed record BenchmarkReportParts(Guid Id, string Name, BenchmarkStatus Status, IReadOnlyList<ReportPart> Sections);
