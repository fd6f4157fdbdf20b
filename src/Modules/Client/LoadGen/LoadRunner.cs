// Long file: scheduling (the closed loops, the open-loop dispatcher thread) and collecting every request's record and details share
// the run's counters and clock; split, each half would reach into the other's fields.
using Aibench.Client.LoadGen.Datasets;
using Aibench.Shared.Timing;
using HdrHistogram;

namespace Aibench.Client.LoadGen;

/// <summary>
/// The load generator. Latency is measured from each request's scheduled send time, so time spent waiting in the
/// client (behind the in-flight cap, or for a late dispatcher) is never hidden; the lag itself is recorded too.
/// Open-loop requests are released by one dedicated thread that sleeps until just before each send time and spins
/// the rest, because timer-based waits overshoot by a millisecond or more on Linux. It schedules and collects;
/// <see cref="RequestSender"/> sends each request and reads its answer.
/// </summary>
internal sealed class LoadRunner : IDisposable
{
    private readonly LoadPlan _plan;
    private readonly PromptSet _prompts;
    private readonly TimeProvider _time;
    private readonly RunClock _clock = new();
    private readonly RequestSender _sender;
    private readonly int[] _endpointInFlight;
    private readonly PerSecond _series = new();
    private readonly List<RequestRecord> _records = [];

    /// <summary>Beside <see cref="_records"/>, entry for entry: each request's chunk gaps (streaming) and text (when kept).</summary>
    private readonly List<int[]?> _chunkGaps = [];
    private readonly List<string?> _texts = [];

    /// <summary>
    /// Chunk gaps a run keeps at the most (4 bytes each: 64 MB), so that a soak of millions of requests does not hold
    /// gigabytes on the login node; past it the run keeps none, and its export has no <c>itls</c> rather than some.
    /// </summary>
    public const long MaxKeptGaps = 16_000_000;

    private long _keptGaps;
    private bool _gapsOverBudget;
    private readonly LongHistogram[] _itl;
    private readonly Lock _gate = new();
    private long _nextIndex;

    /// <summary>Measured (not warm-up) requests taken, against <see cref="LoadPlan.MeasuredCap"/>.</summary>
    private long _measuredTaken;
    private long _rr;
    private long _inFlight;
    private long _maxInFlight;
    private long _sent;
    private long _completed;
    private long _errors;
    private volatile int _currentStep;
    private volatile string _stopReason = "duration";

    private readonly Action<RequestRecord>? _observer;

    /// <summary>Stops the run once its objectives can no longer be met (<see cref="SloSpec.StopEarly"/>).</summary>
    private readonly SloStop _sloStop;

    /// <param name="observer">Told about every finished request (from many threads at once); must be quick.</param>
    public LoadRunner(LoadPlan plan, PromptSet prompts, HttpClient? http = null, TimeProvider? time = null, Action<RequestRecord>? observer = null)
    {
        if (prompts.Count == 0)
        {
            throw new ArgumentException("the dataset has no prompts", nameof(prompts));
        }

        _plan = plan;
        _prompts = prompts;
        _time = time ?? TimeProvider.System;
        _sender = new RequestSender(plan, prompts, http, _series, _clock);
        _endpointInFlight = new int[_sender.Endpoints];
        _itl = [.. plan.Steps.Select(_ => Histograms.New())];
        _observer = observer;
        _sloStop = new SloStop(plan);
    }

    public async Task<RunOutcome> RunAsync(string dataset, Action<RunProgress>? progress, CancellationToken caller)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(caller, _sloStop.Token);
        var cancellationToken = linked.Token;
        var startedAt = _time.GetUtcNow();
        _clock.Start();
        var windows = new List<StepWindow>();
        using var done = new CancellationTokenSource();
        var reporter = progress is null ? Task.CompletedTask : ReportAsync(progress, done.Token);
        try
        {
            for (var i = 0; i < _plan.Steps.Count && !cancellationToken.IsCancellationRequested && !CapReached(); i++)
            {
                _currentStep = i;
                var step = _plan.Steps[i];
                var start = NowUs();
                if (_plan.StepStartsUs is { } starts && i < starts.Count && starts[i] > start)
                {
                    // Lock-step (distributed workers): every worker begins step i at the same offset of the shared start,
                    // not whenever its own previous step drained.
                    try
                    {
                        await Task.Run(() => _clock.WaitUntil(starts[i], cancellationToken), CancellationToken.None);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }

                    start = starts[i];
                }

                var warmupEnd = start + Micro(_plan.Warmup);
                var dispatchEnd = step.ClosedLoop
                    ? await RunClosedAsync(step, i, start, warmupEnd, cancellationToken)
                    : await RunOpenAsync(step, i, start, warmupEnd, cancellationToken);
                windows.Add(new StepWindow(i, step.Label, step.Concurrency, step.TargetRate, start, warmupEnd, dispatchEnd, NowUs()));
            }
        }
        finally
        {
            await done.CancelAsync();
            await reporter;
        }

        // A run that stopped itself for its objectives has measured what it was for; only the caller's cancel cuts it short.
        var partial = caller.IsCancellationRequested;
        RequestRecord[] records;
        RequestDetails details;
        lock (_gate)
        {
            int[] order = [.. Enumerable.Range(0, _records.Count).OrderBy(i => _records[i].Index)];
            records = [.. order.Select(i => _records[i])];
            details = new RequestDetails(_plan.Stream && !_gapsOverBudget ? [.. _chunkGaps] : null, _plan.KeepTexts ? [.. _texts] : null)
                .Reordered(order);
        }

        return new RunOutcome(_plan, dataset, startedAt, records, _itl, _series, windows, Interlocked.Read(ref _maxInFlight),
            partial ? "cancelled" : _stopReason, partial, _sender.ErrorSamples) { Details = details };
    }

    private bool CapReached() => (_plan.MaxRequests is { } max && Interlocked.Read(ref _nextIndex) >= max)
        || (_plan.MeasuredCap is { } measured && Interlocked.Read(ref _measuredTaken) >= measured);

    private bool TryTakeIndex(out long index, bool warmup)
    {
        index = Interlocked.Increment(ref _nextIndex) - 1;
        if ((_plan.MaxRequests is { } max && index >= max)
            || (!warmup && _plan.MeasuredCap is { } measured && Interlocked.Increment(ref _measuredTaken) > measured))
        {
            // A run that stopped for its objectives keeps that reason; its last sends may still reach the cap.
            if (_stopReason != "slo-broken") _stopReason = "max-requests";
            return false;
        }

        return true;
    }

    private async Task<long> RunClosedAsync(StepPlan step, int stepIndex, long start, long warmupEnd, CancellationToken ct)
    {
        var end = step.Duration is { } d ? start + Micro(d) : long.MaxValue;
        var dispatchEnd = start;
        var workers = Enumerable.Range(0, step.Concurrency!.Value).Select(_ => Task.Run(async () =>
        {
            while (!ct.IsCancellationRequested && NowUs() is var scheduled && scheduled < end
                && TryTakeIndex(out var index, scheduled < warmupEnd))
            {
                Atomic.Max(ref dispatchEnd, scheduled);
                await ExecuteAsync(index, stepIndex, scheduled, scheduled < warmupEnd, ct);
            }
        }, CancellationToken.None));
        await Task.WhenAll(workers);
        return step.Duration is null ? Interlocked.Read(ref dispatchEnd) : Math.Min(end, NowUs());
    }

    private async Task<long> RunOpenAsync(StepPlan step, int stepIndex, long start, long warmupEnd, CancellationToken ct)
    {
        using var cap = _plan.MaxInFlight is { } m ? new SemaphoreSlim(m, m) : null;
        var outstanding = new Outstanding();
        var dispatched = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var random = new Random(unchecked(_plan.Seed * 7919) + stepIndex);
        var thread = new Thread(() =>
        {
            PreciseSleep.TightenTimerSlack();
            var last = start;
            var capped = false;
            try
            {
                foreach (var offset in Arrivals.Schedule(step, _plan.Arrival, _plan.Burstiness, random))
                {
                    var scheduled = start + (long)(offset * 1_000_000);
                    _clock.WaitUntil(scheduled, ct);
                    cap?.Wait(ct);
                    if (!TryTakeIndex(out var index, scheduled < warmupEnd))
                    {
                        cap?.Release();
                        capped = true;
                        break;
                    }

                    last = scheduled;
                    outstanding.Add();
                    // Started on this thread: it runs to the request's first await (the send) without a thread-pool hop,
                    // whose wake-up alone can take a millisecond on a busy machine.
                    _ = new Dispatch(this, index, stepIndex, scheduled, scheduled < warmupEnd, cap, outstanding, ct).RunAsync();
                }

                // A step holds for its whole duration, even when its last arrival came earlier.
                if (!capped && step.Duration is { } d)
                {
                    last = start + Micro(d);
                    _clock.WaitUntil(last, ct);
                }
            }
            catch (OperationCanceledException)
            {
                // Cancelled: what was sent is kept and the run is marked partial.
            }
            finally
            {
                dispatched.TrySetResult(Math.Min(last, NowUs()));
            }
        })
        {
            IsBackground = true,
            Name = "aibench-dispatch",
        };
        thread.Start();
        var dispatchEnd = await dispatched.Task;
        await outstanding.DrainAsync();
        return dispatchEnd;
    }

    private sealed class Dispatch(
        LoadRunner runner, long index, int step, long scheduled, bool warmup, SemaphoreSlim? cap, Outstanding outstanding, CancellationToken ct)
    {
        public async Task RunAsync()
        {
            try
            {
                await runner.ExecuteAsync(index, step, scheduled, warmup, ct);
            }
            finally
            {
                cap?.Release();
                outstanding.Done();
            }
        }
    }

    private async Task ExecuteAsync(long index, int step, long scheduledUs, bool warmup, CancellationToken runCt)
    {
        var item = _prompts[index];
        var exchange = new RequestSender.Exchange(_plan.Stream, item.MaxTokens);
        ref var record = ref exchange.Record;
        record = new RequestRecord
        {
            Index = index,
            ScheduledUs = scheduledUs,
            FirstTokenUs = -1,
            LastTokenUs = -1,
            InputTokens = item.InputTokens,
            ServerInputTokens = -1,
            ServerOutputTokens = -1,
            Step = (short)step,
            Warmup = warmup,
        };
        var endpoint = ChooseEndpoint();
        record.Endpoint = (byte)Math.Min(endpoint, 255);
        if (warmup)
        {
            _sloStop.WarmupSent();
        }

        var inFlight = Interlocked.Increment(ref _inFlight);
        Atomic.Max(ref _maxInFlight, inFlight);
        Interlocked.Increment(ref _endpointInFlight[endpoint]);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(runCt);
        timeout.CancelAfter(_plan.Timeout);
        record.SentUs = NowUs();
        _series.Add(record.SentUs, SecondColumn.Sent, 1);
        _series.Max(record.SentUs, SecondColumn.InFlightMax, inFlight);
        Interlocked.Increment(ref _sent);
        try
        {
            await _sender.SendAsync(exchange, endpoint, runCt, timeout.Token);
        }
        finally
        {
            // SendAsync records every failure it knows in the record; whatever else escapes must not leave the counts high.
            Interlocked.Decrement(ref _endpointInFlight[endpoint]);
            Interlocked.Decrement(ref _inFlight);
        }

        exchange.Record.EndUs = NowUs();
        Complete(exchange);
    }

    private void Complete(RequestSender.Exchange exchange)
    {
        ref var record = ref exchange.Record;
        if (record.Error == RequestError.Cancelled)
        {
            lock (_gate)
            {
                Keep(record, null, null);
            }

            return;
        }

        var text = exchange.Text.ToString();
        record.OutputTokens = TokenCounter.Shared.Count(text);
        var end = record.EndUs;
        if (record.Ok)
        {
            Interlocked.Increment(ref _completed);
            _series.Add(end, SecondColumn.Completed, 1);
            _series.Add(end, SecondColumn.InputTokens, record.EffectiveInputTokens);
            // Tokens were counted one per chunk as they arrived; the server's count settles the difference.
            _series.Add(end, SecondColumn.OutputTokens, record.EffectiveOutputTokens - (_plan.Stream ? record.Chunks : 0));
            _series.Add(end, SecondColumn.E2eSumUs, record.E2eUs);
            _series.Add(end, SecondColumn.E2eCount, 1);
        }
        else
        {
            Interlocked.Increment(ref _errors);
            _series.Add(end, SecondColumn.Errors, 1);
        }

        if (!record.Warmup && _sloStop.Missed(record))
        {
            _stopReason = "slo-broken";
        }

        _observer?.Invoke(record);
        // Copied out of the growing list, so the run holds no spare capacity; a warm-up request's are never exported.
        var gaps = exchange.ChunkGaps is { } g ? g.ToArray() : null;
        lock (_gate)
        {
            Keep(record, record.Warmup ? null : gaps, _plan.KeepTexts && !record.Warmup ? text : null);
            if (record.Ok && !record.Warmup && gaps is not null)
            {
                var histogram = _itl[record.Step];
                var tokens = exchange.ChunkTokens;
                for (var i = 0; i < gaps.Length; i++)
                {
                    // A chunk of k tokens is k gaps of gap / k in the pooled ITL (see RequestSender).
                    var k = tokens?[i] ?? 1;
                    histogram.RecordValueWithCount(gaps[i] / k, k);
                }
            }
        }
    }

    private void Keep(RequestRecord record, int[]? gaps, string? text)
    {
        if (gaps is not null && !_gapsOverBudget && (_keptGaps += gaps.Length) > MaxKeptGaps)
        {
            _gapsOverBudget = true;
            _chunkGaps.Clear();
            _chunkGaps.Capacity = 0;
        }

        _records.Add(record);
        if (!_gapsOverBudget) _chunkGaps.Add(gaps);
        _texts.Add(text);
    }

    private int ChooseEndpoint()
    {
        if (_endpointInFlight.Length == 1)
        {
            return 0;
        }

        var start = (int)((ulong)Interlocked.Increment(ref _rr) % (ulong)_endpointInFlight.Length);
        if (_plan.Spread == Spread.RoundRobin)
        {
            return start;
        }

        // Least in flight; ties go round the ring so equal endpoints share the load.
        var best = start;
        for (var k = 1; k < _endpointInFlight.Length; k++)
        {
            var i = (start + k) % _endpointInFlight.Length;
            if (Volatile.Read(ref _endpointInFlight[i]) < Volatile.Read(ref _endpointInFlight[best]))
            {
                best = i;
            }
        }

        return best;
    }

    private async Task ReportAsync(Action<RunProgress> progress, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), _time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                progress(Snapshot());
            }
        }
        catch (OperationCanceledException)
        {
            // The run ended.
        }
    }

    public RunProgress Snapshot()
    {
        var now = NowUs();
        var second = (now / 1_000_000) - 1;
        var step = _currentStep;
        return new RunProgress(
            TimeSpan.FromMicroseconds(now),
            step + 1,
            _plan.Steps.Count,
            _plan.Steps[step].Label,
            Interlocked.Read(ref _sent),
            Interlocked.Read(ref _completed),
            Interlocked.Read(ref _errors),
            Interlocked.Read(ref _inFlight),
            _series.Get(second, SecondColumn.Completed),
            _series.Get(second, SecondColumn.OutputTokens),
            _series.MeanMs(second, SecondColumn.TtftSumUs, SecondColumn.TtftCount),
            _plan.Steps[step].TargetRate);
    }

    private long NowUs() => _clock.NowUs();

    private static long Micro(TimeSpan span) => RunClock.Micro(span);

    public void Dispose()
    {
        _sender.Dispose();
        _sloStop.Dispose();
    }
}
