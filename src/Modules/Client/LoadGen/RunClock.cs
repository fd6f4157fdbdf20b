using System.Diagnostics;
using Aibench.Shared.Timing;

namespace Aibench.Client.LoadGen;

/// <summary>
/// The one monotonic clock of a run (docs/metrics.md): microseconds since <see cref="Start"/>, read by the scheduler
/// and by the request sender alike, so every time of a request is on the same scale. Stopwatch, not TimeProvider:
/// the numbers are the product and need the high-resolution monotonic counter.
/// </summary>
internal sealed class RunClock
{
    private long _start;

    /// <summary>Sets the run's zero; called once before any request is scheduled.</summary>
    public void Start() => _start = Stopwatch.GetTimestamp();

    public long NowUs() => Stopwatch.GetElapsedTime(_start).Ticks / 10;

    /// <summary>Sleeps precisely until <paramref name="targetUs"/> on the run's clock (ADR 0006).</summary>
    public void WaitUntil(long targetUs, CancellationToken ct) =>
        PreciseSleep.Until(_start + (long)(targetUs * (Stopwatch.Frequency / 1e6)), ct);

    public static long Micro(TimeSpan span) => span.Ticks / 10;
}
