using Mediator;

namespace Aibench.Contracts.Client;

/// <summary>
/// Asks the Client module for the sections of the comparison report of 2 to 8 finished runs, the first the baseline:
/// the runs, the load settings that differed, each headline number side by side with whether its change is beyond the
/// runs' own noise, and their charts over time and distributions (docs/reports.md). Fails as a 404 for an unknown run,
/// a 409 for one without results, a 400 naming <c>ids</c> for fewer than 2 or more than 8.
/// </summary>
/// <param name="BenchmarkIds">The runs, baseline first.</param>
public sealed record GetBenchmarkComparison(IReadOnlyList<Guid> BenchmarkIds) : IQuery<IReadOnlyList<ReportPart>>;
