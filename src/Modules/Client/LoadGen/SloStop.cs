using Aibench.Contracts.Client;

namespace Aibench.Client.LoadGen;

/// <summary>
/// A run's early stop for its objectives (<see cref="SloSpec.StopEarly"/>): counts the measured requests that missed
/// them and, past <see cref="LoadPlan.SloMissesAllowed"/>, cancels the run's token once. docs/metrics.md explains the bound.
/// </summary>
internal sealed class SloStop(LoadPlan plan) : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private long _misses;
    private int _stopped;

    /// <summary>Cancelled when the run stops itself, besides the caller's token.</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>Counts a measured request; true for the one that stops the run (only once).</summary>
    public bool Missed(RequestRecord record)
    {
        if (plan.SloMissesAllowed is not { } allowed || Summarizer.MeetsSlo(record, plan) || Interlocked.Increment(ref _misses) <= allowed
            || Interlocked.Exchange(ref _stopped, 1) == 1)
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
