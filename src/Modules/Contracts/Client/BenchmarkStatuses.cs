namespace Aibench.Contracts.Client;

/// <summary>What every module needs to know about a <see cref="BenchmarkStatus"/>.</summary>
public static class BenchmarkStatuses
{
    /// <summary>Whether the run has ended (completed, partial, failed or cancelled) and will change no more.</summary>
    public static bool IsFinished(this BenchmarkStatus status) =>
        status is BenchmarkStatus.Completed or BenchmarkStatus.Partial or BenchmarkStatus.Failed or BenchmarkStatus.Cancelled;
}
