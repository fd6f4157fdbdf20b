namespace Aibench.Client.LoadGen;

/// <summary>Counts requests in flight so a step can wait for its last one; starts at one for the dispatcher.</summary>
internal sealed class Outstanding
{
    private readonly TaskCompletionSource _zero = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _count = 1;

    public void Add() => Interlocked.Increment(ref _count);

    public void Done()
    {
        if (Interlocked.Decrement(ref _count) == 0)
        {
            _zero.TrySetResult();
        }
    }

    public Task DrainAsync()
    {
        Done();
        return _zero.Task;
    }
}
