using System.Collections.Concurrent;
using Aibench.Logs.Features;

namespace Aibench.Logs.Tailing;

/// <summary>
/// Hands stored lines to live streams the moment they are committed, one batch per commit. A subscriber that falls
/// more than its buffer (<see cref="DefaultMaxBufferedLines"/>) behind loses its oldest batches, and learns up to which id it lost them:
/// the stream reads those lines from the store, so a slow client is late but never misses a line, and memory stays
/// bounded however fast jobs write.
/// </summary>
internal sealed class LogBroadcaster(int maxBufferedLines = LogBroadcaster.DefaultMaxBufferedLines)
{
    /// <summary>About 25 MB of lines per subscriber; a 250 ms poll at 100,000 lines/s brings 25,000.</summary>
    public const int DefaultMaxBufferedLines = 100_000;

    private readonly ConcurrentDictionary<Subscription, byte> _subscribers = new();

    private readonly int _maxBufferedLines = maxBufferedLines;

    /// <summary>Live streams open now.</summary>
    public int Subscribers => _subscribers.Count;

    public Subscription Subscribe(Func<LogLineView, bool> filter)
    {
        var subscription = new Subscription(this, filter);
        _subscribers[subscription] = 0;
        return subscription;
    }

    public void Publish(IReadOnlyList<LogLineView> lines)
    {
        foreach (var subscriber in _subscribers.Keys)
        {
            var wanted = lines.Where(subscriber.Filter).ToList();
            if (wanted.Count > 0)
            {
                subscriber.Add(wanted);
            }
        }
    }

    internal sealed class Subscription(LogBroadcaster owner, Func<LogLineView, bool> filter) : IDisposable
    {
        private readonly ConcurrentQueue<IReadOnlyList<LogLineView>> _batches = new();
        private readonly SemaphoreSlim _signal = new(0);
        private int _buffered;
        private long _droppedUpTo;

        public Func<LogLineView, bool> Filter { get; } = filter;

        /// <summary>The highest id among lines dropped for being too far behind; 0 when none were.</summary>
        public long DroppedUpTo => Interlocked.Read(ref _droppedUpTo);

        internal void Add(IReadOnlyList<LogLineView> batch)
        {
            _batches.Enqueue(batch);
            Interlocked.Add(ref _buffered, batch.Count);
            while (Volatile.Read(ref _buffered) > owner._maxBufferedLines && _batches.TryDequeue(out var oldest))
            {
                Interlocked.Add(ref _buffered, -oldest.Count);
                var last = oldest[^1].Id;
                long seen;
                while ((seen = Interlocked.Read(ref _droppedUpTo)) < last && Interlocked.CompareExchange(ref _droppedUpTo, last, seen) != seen)
                {
                }
            }

            _signal.Release();
        }

        /// <summary>Batches in commit order, as they come; ends with the caller's cancellation.</summary>
        public async IAsyncEnumerable<IReadOnlyList<LogLineView>>
            ReadAllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            while (true)
            {
                await _signal.WaitAsync(cancellationToken);
                if (_batches.TryDequeue(out var batch))
                {
                    Interlocked.Add(ref _buffered, -batch.Count);
                    yield return batch;
                }
                else if (DroppedUpTo > 0)
                {
                    // The signal was for a batch the writer dropped: an empty batch tells the reader to fetch what it
                    // lost from the store now, not when (or if) the job writes again.
                    yield return [];
                }
            }
        }

        public void Dispose()
        {
            // The semaphore stays: a publish that took this subscriber just before may still add to it.
            owner._subscribers.TryRemove(this, out _);
        }
    }
}
