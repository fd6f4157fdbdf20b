using System.Diagnostics;
using System.Threading.Channels;
using Aibench.Shared.Timing;

namespace Aibench.Simulator;

/// <summary>One generation: the engine writes the index of each token as it is produced, then completes.</summary>
internal sealed class Generation(int promptTokens, int outputTokens, long arrived)
{
    public int PromptTokens { get; } = promptTokens;
    public int OutputTokens { get; } = outputTokens;
    public Channel<int> Tokens { get; } = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    /// <summary>When the request reached the server: latencies count from here, as a client's do.</summary>
    public long Arrived { get; } = arrived;
    internal int Generated;

    // Engine-side phase times (Stopwatch timestamps), as vLLM's engine core records them: scheduled (admitted into the
    // batch for the first time), first token, last token. The server observes queue, prefill and decode from them when
    // the request finishes.
    internal long Admitted;
    internal long FirstToken;
    internal long LastToken;
    internal volatile bool Cancelled;

    /// <summary>Fixed-latency pacing (TTFT, gap), when the reader produces the tokens itself.</summary>
    public (TimeSpan Ttft, TimeSpan Itl)? Paced { get; init; }

    /// <summary>The token indexes as they come due: from the engine's channel, or paced right here.</summary>
    public async IAsyncEnumerable<int> ReadAllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (Paced is not { } pace)
        {
            await foreach (var index in Tokens.Reader.ReadAllAsync(cancellationToken)) yield return index;
            yield break;
        }

        // Each token aims at an absolute time from the arrival, so delays never add up to drift.
        for (var k = 0; k < OutputTokens && !Cancelled; k++)
        {
            await Clock.DelayUntil(Arrived, pace.Ttft + (pace.Itl * k)).WaitAsync(cancellationToken);
            var now = Stopwatch.GetTimestamp();
            if (k == 0) FirstToken = now;
            LastToken = now;
            yield return k;
        }
    }

    public void Cancel() => Cancelled = true;
}

internal interface IEngine
{
    Generation Submit(int promptTokens, int outputTokens, long arrived);
}

/// <summary>
/// Every request gets exactly the configured TTFT and gap between tokens: a target with known latencies. The tokens are
/// produced on the reader's side (<see cref="Generation.Paced"/>), so each one is written the moment its time comes,
/// with no hand-over between threads in between.
/// </summary>
internal sealed class FixedLatencyEngine(SimOptions options) : IEngine
{
    // No queue: every request is scheduled the moment it arrives, so its prefill is its whole TTFT.
    public Generation Submit(int promptTokens, int outputTokens, long arrived) =>
        new(promptTokens, outputTokens, arrived) { Paced = (options.Ttft ?? TimeSpan.Zero, options.Itl ?? TimeSpan.Zero), Admitted = arrived };
}

/// <summary>
/// Continuous batching as vLLM does it: up to max-num-seqs sequences run together; each engine step produces one token
/// for every running sequence and lasts longer as the batch grows; newly admitted sequences pay their prefill in the
/// step that admits them; when the KV cache (in tokens) overflows, the newest sequence is preempted and recomputed later.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001",
    Justification = "The engine's loop waits on _wake for as long as the simulator runs; disposing it would leave the loop waiting forever.")]
internal sealed class BatchingEngine : IEngine
{
    private readonly SimOptions _options;
    private readonly SimMetrics _metrics;
    private readonly LinkedList<Generation> _waiting = new();
    private readonly List<Generation> _running = [];
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Lock _lock = new();
    private long _kvUsed;

    public BatchingEngine(SimOptions options, SimMetrics metrics)
    {
        _options = options;
        _metrics = metrics;
        _ = Task.Run(LoopAsync);
    }
    public Generation Submit(int promptTokens, int outputTokens, long arrived)
    {
        var generation = new Generation(promptTokens, outputTokens, arrived);
        lock (_lock)
        {
            _waiting.AddLast(generation);
            Publish();
        }

        _wake.Release();
        return generation;
    }

    private async Task LoopAsync()
    {
        while (true)
        {
            List<Generation> admitted;
            TimeSpan step;
            lock (_lock)
            {
                admitted = Admit();
                if (_running.Count > 0)
                {
                    var prefill = admitted.Aggregate(TimeSpan.Zero, (sum, g) => sum + _options.PrefillBase
                        + (_options.PrefillPerToken * (g.PromptTokens + g.Generated)));
                    step = _options.DecodeBase + (_options.DecodePerSeq * _running.Count) + prefill;
                }
                else
                {
                    step = TimeSpan.Zero;
                }

                Publish();
            }

            if (step == TimeSpan.Zero)
            {
                await _wake.WaitAsync();
                continue;
            }

            var started = Stopwatch.GetTimestamp();
            await Clock.DelayUntil(started, step);
            lock (_lock)
            {
                var now = Stopwatch.GetTimestamp();
                foreach (var g in _running.ToList())
                {
                    if (g.Cancelled)
                    {
                        Remove(g);
                        continue;
                    }

                    if (g.FirstToken == 0)
                    {
                        g.FirstToken = now;
                    }

                    g.LastToken = now;
                    g.Tokens.Writer.TryWrite(g.Generated);
                    g.Generated++;
                    _kvUsed++;
                    if (g.Generated >= g.OutputTokens)
                    {
                        Remove(g);
                    }
                }

                while (_kvUsed > _options.KvCacheTokens && _running.Count > 1)
                {
                    var victim = _running[^1];
                    _running.RemoveAt(_running.Count - 1);
                    _kvUsed -= victim.PromptTokens + victim.Generated;
                    _waiting.AddFirst(victim);
                    _metrics.Preempted();
                }

                Publish();
            }
        }
    }

    private List<Generation> Admit()
    {
        var admitted = new List<Generation>();
        while (_waiting.First is { } next && _running.Count < _options.MaxNumSeqs
               && _kvUsed + next.Value.PromptTokens + next.Value.Generated + 1 <= _options.KvCacheTokens)
        {
            _waiting.RemoveFirst();
            if (next.Value.Cancelled)
            {
                next.Value.Tokens.Writer.TryComplete();
                continue;
            }

            // A preempted sequence keeps its first admission: vLLM's queue time ends when a request is first scheduled.
            if (next.Value.Admitted == 0)
            {
                next.Value.Admitted = Stopwatch.GetTimestamp();
            }

            _kvUsed += next.Value.PromptTokens + next.Value.Generated;
            _running.Add(next.Value);
            admitted.Add(next.Value);
        }

        return admitted;
    }

    private void Remove(Generation g)
    {
        _running.Remove(g);
        _kvUsed -= g.PromptTokens + g.Generated;
        g.Tokens.Writer.TryComplete();
    }

    private void Publish()
    {
        Volatile.Write(ref _metrics.Running, _running.Count);
        Volatile.Write(ref _metrics.Waiting, _waiting.Count);
        Volatile.Write(ref _metrics.KvCacheUsage, Math.Min(1.0, _kvUsed / (double)_options.KvCacheTokens));
    }
}

/// <summary>
/// Waits that end on time: Task.Delay on Linux overshoots by a millisecond or more, which a simulator whose latencies
/// calibrate load generators cannot afford. One thread keeps every pending deadline in a priority queue, sleeps until
/// about a millisecond before the earliest, then spins the rest; thousands of streams share it.
/// </summary>
internal static class Clock
{
    private static readonly PriorityQueue<TaskCompletionSource, long> Due = new();
    private static readonly object Gate = new();
    // Monitor.Wait wakes a millisecond or more late; the last stretch is left to PreciseSleep, which does not spin.
    private static readonly long SpinTicks = Stopwatch.Frequency * 3 / 1000;

    static Clock()
    {
        new Thread(Run) { IsBackground = true, Name = "aibench-sim-clock", Priority = ThreadPriority.AboveNormal }.Start();
    }

    /// <summary>Waits until <paramref name="offset"/> after <paramref name="start"/> (a Stopwatch timestamp).</summary>
    public static Task DelayUntil(long start, TimeSpan offset)
    {
        var deadline = start + (long)(offset.TotalSeconds * Stopwatch.Frequency);
        if (deadline <= Stopwatch.GetTimestamp()) return Task.CompletedTask;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (Gate)
        {
            Due.Enqueue(done, deadline);
            Monitor.Pulse(Gate);
        }

        return done.Task;
    }

    private static void Run()
    {
        PreciseSleep.TightenTimerSlack();
        var ready = new List<TaskCompletionSource>();
        while (true)
        {
            lock (Gate)
            {
                while (true)
                {
                    if (!Due.TryPeek(out _, out var deadline))
                    {
                        Monitor.Wait(Gate);
                        continue;
                    }

                    var now = Stopwatch.GetTimestamp();
                    if (deadline <= now)
                    {
                        while (Due.TryPeek(out var tcs, out var d) && d <= now)
                        {
                            ready.Add(Due.Dequeue());
                        }

                        break;
                    }

                    var remaining = deadline - now;
                    if (remaining > SpinTicks)
                    {
                        // Sleep until a few milliseconds before; an earlier deadline arriving meanwhile wakes us (Pulse).
                        Monitor.Wait(Gate, TimeSpan.FromSeconds((remaining - SpinTicks) / (double)Stopwatch.Frequency));
                        continue;
                    }

                    Monitor.Exit(Gate);
                    try
                    {
                        PreciseSleep.Until(deadline);
                    }
                    finally
                    {
                        Monitor.Enter(Gate);
                    }
                }
            }

            foreach (var tcs in ready) tcs.TrySetResult();
            ready.Clear();
        }
    }
}
