using Mediator;

namespace Aibench.Contracts.Experiments;

/// <summary>Asks the Experiments module which experiment each of these services belongs to; services of none are left out.</summary>
/// <param name="ServiceIds">The services.</param>
public sealed record GetExperimentsOfServices(IReadOnlyList<Guid> ServiceIds) : IQuery<IReadOnlyDictionary<Guid, Guid>>;

/// <summary>
/// Asks the Experiments module which experiment each of these benchmarks (its warm-up or its measured load) belongs
/// to; benchmarks of none are left out.
/// </summary>
/// <param name="BenchmarkIds">The benchmarks.</param>
public sealed record GetExperimentsOfBenchmarks(IReadOnlyList<Guid> BenchmarkIds) : IQuery<IReadOnlyDictionary<Guid, Guid>>;
