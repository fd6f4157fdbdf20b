using System.Diagnostics;
using System.Threading.Channels;

namespace Aibench.Simulator;

/// <summary>One generation: the engine writes the index of each token as it is produced, then completes.</summary>
internal sealed class Generation(int promptTokens, int outputTokens)
{
    public int PromptTokens { get; } = promptTokens;
    public int OutputTokens { get; } = outputTokens;
    public Channel<int> Tokens { get; } = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    public long Arrived { get; } = Stopwatch.GetTimestamp();
    internal int Generated;
    internal long Admitted;
    internal long FirstToken;
    internal volatile bool Cancelled;

    public void Cancel() => Cancelled = true;
}

internal interface IEngine
{
    Generation Submit(int promptTokens, int outputTokens);
}

/// <summary>Every request gets exactly the configured TTFT and gap between tokens: a target with known latencies.</summary>
internal sealed class FixedLatencyEngine(SimOptions options, SimMetrics metrics) : IEngine
{
    public Generation Submit(int promptTokens, int outputTokens)
    {
        var generation = new Generation(promptTokens, outputTokens);
        _ = RunAsync(generation);
        return generation;
    }

    private async Task RunAsync(Generation g)
    {
        Interlocked.Increment(ref metrics.Running);
        try
        {
            var ttft = options.Ttft ?? TimeSpan.Zero;
            var itl = options.Itl ?? TimeSpan.Zero;
            // Each token aims at an absolute time from the start, so delays never add up to drift.
            for (var k = 0; k < g.OutputTokens && !g.Cancelled; k++)
            {
                await Clock.DelayUntil(g.Arrived, ttft + (itl * k));
                g.Tokens.Writer.TryWrite(k);
            }
        }
        finally
        {
            Interlocked.Decrement(ref metrics.Running);
            g.Tokens.Writer.TryComplete();
        }
    }
}

/// <summary>
/// Continuous batching as vLLM does it: up to max-num-seqs sequences run together; each engine step produces one token
/// for every running sequence and lasts longer as the batch grows; newly admitted sequences pay their prefill in the
/// step that admits them; when the KV cache (in tokens) overflows, the newest sequence is preempted and recomputed later.
/// </summary>
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

    public Generation Submit(int promptTokens, int outputTokens)
    {
        var generation = new Generation(promptTokens, outputTokens);
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
                    var prefill = admitted.Aggregate(TimeSpan.Zero, (sum, g) => sum + _options.PrefillBase + (_options.PrefillPerToken * (g.PromptTokens + g.Generated)));
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
                        _metrics.Prefill.Observe(Stopwatch.GetElapsedTime(g.Admitted, now).TotalSeconds);
                    }

                    g.Tokens.Writer.TryWrite(g.Generated);
                    g.Generated++;
                    _kvUsed++;
                    if (g.Generated >= g.OutputTokens)
                    {
                        _metrics.Decode.Observe(Stopwatch.GetElapsedTime(g.FirstToken, now).TotalSeconds);
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

            if (next.Value.Admitted == 0)
            {
                next.Value.Admitted = Stopwatch.GetTimestamp();
                _metrics.Queue.Observe(Stopwatch.GetElapsedTime(next.Value.Arrived, next.Value.Admitted).TotalSeconds);
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

internal static class Clock
{
    /// <summary>Waits until <paramref name="offset"/> after <paramref name="start"/> (a Stopwatch timestamp).</summary>
    public static Task DelayUntil(long start, TimeSpan offset)
    {
        var remaining = offset - Stopwatch.GetElapsedTime(start);
        return remaining > TimeSpan.Zero ? Task.Delay(remaining) : Task.CompletedTask;
    }
}
