namespace Aibench.Tests.Infrastructure;

/// <summary>
/// Tests that measure time to the millisecond run alone: on a 2-core CI machine another test class's build-up
/// of threads would otherwise be measured too. They also carry the <see cref="Trait"/> category, and
/// scripts/test.sh runs that category in a process of its own: in the main run the background jobs of dozens of
/// test hosts and their garbage collections still added milliseconds now and then.
/// </summary>
[CollectionDefinition(nameof(TimingCollection), DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Trait = "Timing";
}
