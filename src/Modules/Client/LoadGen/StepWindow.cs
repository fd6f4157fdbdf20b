namespace Aibench.Client.LoadGen;

/// <summary>Where a step sat on the run's clock, in microseconds from the run's start.</summary>
internal sealed record StepWindow(int Index, string Label, int? Concurrency, double? TargetRate, long StartUs, long WarmupEndUs, long DispatchEndUs,
    long EndUs);
