using Aibench.Contracts.Client;

namespace Aibench.Client.LoadGen;

/// <summary>
/// A run's early stop for its objectives (<see cref="SloSpec.StopEarly"/>). At most the request cap minus the warm-up
/// requests sent are measured, so once more than ⌊(1 − target) × (cap − warm-up sent)⌋ measured requests missed, the
/// share met can no longer reach the target: the run's token is cancelled, once. Decimal arithmetic, because
/// (1 − 0.9) × 200 is 19.999… in binary floating point. docs/metrics.md explains the bound.
/// </summary>
internal sealed class SloStop(LoadPlan plan) : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private long _misses;
    private long _warmup;
    private int _stopped;

    /// <summary>Cancelled when the run stops itself, besides the caller's token.</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>A warm-up request was sent: one fewer request can be measured.</summary>
    public void WarmupSent() => Interlocked.Increment(ref _warmup);

    /// <summary>
    /// Counts a measured request; true for the one that stops the run (only once). Every warm-up request of a step is
    /// sent before its first measured one is, so the count is final when it matters; across steps it only grows, which
    /// keeps the bound on the safe side (a run is never stopped while it could still pass).
    /// </summary>
    public bool Missed(RequestRecord record)
    {
        if (plan.SloStopTarget is not { } target || (plan.MaxRequests ?? plan.MeasuredCap) is null || Summarizer.MeetsSlo(record, plan))
        {
            return false;
        }

        // What can still be measured: the measured cap itself, or the cap less the warm-up requests sent.
        var measurable = plan.MeasuredCap ?? Math.Max(0, plan.MaxRequests!.Value - Interlocked.Read(ref _warmup));
        var allowed = Math.Floor((1m - (decimal)target) * measurable);
        if (Interlocked.Increment(ref _misses) <= allowed || Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return false;
        }

        // Not inline: cancelling runs the in-flight requests' callbacks, and this is one of them.
        _ = Task.Run(() =>
        {
            try
            {
                _stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The run ended meanwhile.
            }
        }, CancellationToken.None);
        return true;
    }

    public void Dispose() => _stop.Dispose();
}
