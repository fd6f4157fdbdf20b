using System.Collections.Concurrent;
using System.Threading.Channels;
using Aibench.Logs.Features;

namespace Aibench.Logs.Tailing;

/// <summary>
/// Hands stored lines to live streams the moment they are committed. A subscriber that falls more than its buffer
/// behind loses the oldest lines of the buffer; its client reconnects with Last-Event-ID and reads them from the store.
/// </summary>
internal sealed class LogBroadcaster
{
    private readonly ConcurrentDictionary<Subscription, byte> _subscribers = new();

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
            foreach (var line in lines)
            {
                if (subscriber.Filter(line))
                {
                    subscriber.Channel.Writer.TryWrite(line);
                }
            }
        }
    }

    internal sealed class Subscription(LogBroadcaster owner, Func<LogLineView, bool> filter) : IDisposable
    {
        public Func<LogLineView, bool> Filter { get; } = filter;

        public Channel<LogLineView> Channel { get; } = System.Threading.Channels.Channel.CreateBounded<LogLineView>(
            new BoundedChannelOptions(20_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

        public void Dispose()
        {
            owner._subscribers.TryRemove(this, out _);
            Channel.Writer.TryComplete();
        }
    }
}
