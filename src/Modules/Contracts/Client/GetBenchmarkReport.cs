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

/// <summary>One rendered section of a report: its HTML (escaped by its maker) and its Markdown.</summary>
/// <param name="Id">Its anchor, e.g. <c>headline</c>.</param>
/// <param name="Title">Its heading.</param>
/// <param name="Html">The whole section element.</param>
/// <param name="Markdown">Its blocks as Markdown (charts left out).</param>
/// <param name="InSummary">Whether the Markdown summary carries it.</param>
public sealed record ReportPart(string Id, string Title, string Html, string Markdown, bool InSummary);
