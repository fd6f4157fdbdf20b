namespace Aibench.Tests.Infrastructure;

/// <summary>
/// Tests that measure time to the millisecond run alone: on a 2-core CI machine another test class's build-up
/// of threads would otherwise be measured too.
/// </summary>
[CollectionDefinition(nameof(TimingCollection), DisableParallelization = true)]
public sealed class TimingCollection;
