using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Net.Sockets;
using System.Text;
using Aibench.Client.LoadGen.Datasets;
using Aibench.Shared.Timing;
using HdrHistogram;

namespace Aibench.Client.LoadGen;

/// <summary>A live view of a run, produced about once a second.</summary>
internal sealed record RunProgress(
    TimeSpan Elapsed,
    int Step,
    int Steps,
    string StepLabel,
    long Sent,
    long Completed,
    long Errors,
    long InFlight,
    double RequestsPerSecond,
    double OutputTokensPerSecond,
    double? TtftMeanMs,
    double? TargetRate);

/// <summary>Where a step sat on the run's clock, in microseconds from the run's start.</summary>
internal sealed record StepWindow(int Index, string Label, int? Concurrency, double? TargetRate, long StartUs, long WarmupEndUs, long DispatchEndUs, long EndUs);

/// <summary>What a run measured: every request, the pooled inter-token gaps per step, the per-second series.</summary>
internal sealed record RunOutcome(
    LoadPlan Plan,
    string Dataset,
    DateTimeOffset StartedAt,
    IReadOnlyList<RequestRecord> Records,
    IReadOnlyList<LongHistogram> ItlUs,
    PerSecond Series,
    IReadOnlyList<StepWindow> Steps,
    long MaxInFlight,
    string StopReason,
    bool Partial,
    IReadOnlyDictionary<string, string> ErrorSamples);

/// <summary>
/// The load generator. Latency is measured from each request's scheduled send time, so time spent waiting in the
/// client (behind the in-flight cap, or for a late dispatcher) is never hidden; the lag itself is recorded too.
/// Open-loop requests are released by one dedicated thread that sleeps until just before each send time and spins
/// the rest, because timer-based waits overshoot by a millisecond or more on Linux.
/// </summary>
internal sealed class LoadRunner : IDisposable
{
    private readonly LoadPlan _plan;
    private readonly PromptSet _prompts;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly TimeProvider _time;
    private readonly Uri[] _urls;
    private readonly int[] _endpointInFlight;
    private readonly byte[]?[] _bodies;
    private readonly PerSecond _series = new();
    private readonly List<RequestRecord> _records = [];
    private readonly LongHistogram[] _itl;
    private readonly ConcurrentDictionary<string, string> _errorSamples = new();
    private readonly Lock _gate = new();
    private long _start;
    private long _nextIndex;
    private long _rr;
    private long _inFlight;
    private long _maxInFlight;
    private long _sent;
    private long _completed;
    private long _errors;
    private volatile int _currentStep;
    private volatile string _stopReason = "duration";

    private readonly Action<RequestRecord>? _observer;

    /// <param name="observer">Told about every finished request (from many threads at once); must be quick.</param>
    public LoadRunner(LoadPlan plan, PromptSet prompts, HttpClient? http = null, TimeProvider? time = null, Action<RequestRecord>? observer = null)
    {
        if (prompts.Count == 0)
        {
            throw new ArgumentException("the dataset has no prompts", nameof(prompts));
        }

        _plan = plan;
        _prompts = prompts;
        _http = http ?? CreateHttpClient();
        _ownsHttp = http is null;
        _time = time ?? TimeProvider.System;
        _urls = [.. plan.Endpoints.Select(e => new Uri(e, OpenAiWire.Path(plan.Api)))];
        _endpointInFlight = new int[_urls.Length];
        _bodies = new byte[]?[prompts.Count];
        _itl = [.. plan.Steps.Select(_ => Histograms.New())];
        _observer = observer;
    }

    /// <summary>
    /// A client for load: unlimited connections per endpoint, no proxy (login nodes often set http_proxy, and
    /// compute nodes must be reached directly), no cookies, no decompression, no overall timeout (ours is per request).
    /// </summary>
    public static HttpClient CreateHttpClient() => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = int.MaxValue,
        UseProxy = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
        EnableMultipleHttp2Connections = true,
    })
    { Timeout = System.Threading.Timeout.InfiniteTimeSpan };

    public async Task<RunOutcome> RunAsync(string dataset, Action<RunProgress>? progress, CancellationToken cancellationToken)
    {
        var startedAt = _time.GetUtcNow();
        _start = Stopwatch.GetTimestamp();
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
                        await Task.Run(() => WaitUntil(starts[i], cancellationToken), CancellationToken.None);
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

        var partial = cancellationToken.IsCancellationRequested;
        RequestRecord[] records;
        lock (_gate)
        {
            records = [.. _records.OrderBy(r => r.Index)];
        }

        return new RunOutcome(_plan, dataset, startedAt, records, _itl, _series, windows, Interlocked.Read(ref _maxInFlight),
            partial ? "cancelled" : _stopReason, partial, _errorSamples);
    }

    private bool CapReached() => _plan.MaxRequests is { } max && Interlocked.Read(ref _nextIndex) >= max;

    private bool TryTakeIndex(out long index)
    {
        index = Interlocked.Increment(ref _nextIndex) - 1;
        if (_plan.MaxRequests is { } max && index >= max)
        {
            _stopReason = "max-requests";
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
            while (!ct.IsCancellationRequested && NowUs() < end && TryTakeIndex(out var index))
            {
                var scheduled = NowUs();
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
                    WaitUntil(scheduled, ct);
                    cap?.Wait(ct);
                    if (!TryTakeIndex(out var index))
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
                    WaitUntil(last, ct);
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

    /// <summary>Counts requests in flight so a step can wait for its last one; starts at one for the dispatcher.</summary>
    private sealed class Outstanding
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

    private void WaitUntil(long targetUs, CancellationToken ct) =>
        PreciseSleep.Until(_start + (long)(targetUs * (Stopwatch.Frequency / 1e6)), ct);

    internal async Task ExecuteAsync(long index, int step, long scheduledUs, bool warmup, CancellationToken runCt)
    {
        var item = _prompts[index];
        var box = new Box();
        ref var record = ref box.Record;
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
        var inFlight = Interlocked.Increment(ref _inFlight);
        Atomic.Max(ref _maxInFlight, inFlight);
        Interlocked.Increment(ref _endpointInFlight[endpoint]);
        List<long>? gaps = _plan.Stream ? new List<long>(Math.Min(item.MaxTokens, 4096)) : null;
        var text = new StringBuilder();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(runCt);
        timeout.CancelAfter(_plan.Timeout);
        record.SentUs = NowUs();
        _series.Add(record.SentUs, SecondColumn.Sent, 1);
        _series.Max(record.SentUs, SecondColumn.InFlightMax, inFlight);
        Interlocked.Increment(ref _sent);
        await SendAsync(box, endpoint, gaps, text, runCt, timeout.Token);
        Interlocked.Decrement(ref _endpointInFlight[endpoint]);
        Interlocked.Decrement(ref _inFlight);
        box.Record.EndUs = NowUs();
        Complete(ref box.Record, gaps, text);
    }

    /// <summary>A request's record on the heap, because async methods cannot hold a ref to it across awaits.</summary>
    private sealed class Box
    {
        public RequestRecord Record;
    }

    private async Task SendAsync(Box box, int endpoint, List<long>? gaps, StringBuilder text, CancellationToken runCt, CancellationToken ct)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, _urls[endpoint]) { Content = new ByteArrayContent(Body(box.Record.Index)) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            box.Record.HttpStatus = (short)response.StatusCode;
            if (!response.IsSuccessStatusCode)
            {
                var body = await ReadSomeAsync(response, ct);
                Fail(box, RequestError.Http, $"HTTP {(int)response.StatusCode}: {OpenAiWire.Excerpt(body)}");
            }
            else if (_plan.Stream)
            {
                await ReadStreamAsync(response, gaps!, text, box, ct);
            }
            else
            {
                await ReadBodyAsync(response, text, box, ct);
            }
        }
        catch (OperationCanceledException) when (runCt.IsCancellationRequested)
        {
            box.Record.Error = RequestError.Cancelled;
        }
        catch (OperationCanceledException)
        {
            Fail(box, RequestError.Timeout, $"no complete answer within {Shared.Text.Duration.Format(_plan.Timeout)}");
        }
        catch (HttpRequestException e) when (e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
                                             or HttpRequestError.SecureConnectionError || e.InnerException is SocketException)
        {
            Fail(box, box.Record.HttpStatus == 0 ? RequestError.Connect : RequestError.Disconnect, e.Message);
        }
        catch (HttpRequestException e) when (e.HttpRequestError is HttpRequestError.InvalidResponse or HttpRequestError.HttpProtocolError)
        {
            Fail(box, RequestError.BadStream, e.Message);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            Fail(box, RequestError.Disconnect, e.Message);
        }
        catch (FormatException e)
        {
            Fail(box, RequestError.BadStream, e.Message);
        }
    }

    private async Task ReadStreamAsync(HttpResponseMessage response, List<long> gaps, StringBuilder text, Box box, CancellationToken ct)
    {
        if (response.Content.Headers.ContentType?.MediaType != "text/event-stream")
        {
            var body = await ReadSomeAsync(response, ct);
            Fail(box, RequestError.BadStream, $"expected text/event-stream, got {response.Content.Headers.ContentType?.MediaType ?? "no content type"}: {OpenAiWire.Excerpt(body)}");
            return;
        }

        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        var last = -1L;
        var finished = false;
        long first = -1;
        int chunks = 0, prompt = -1, completion = -1;
        string? error = null;
        await foreach (var item in SseParser.Create(stream, static (_, data) => OpenAiWire.ParseEvent(data)).EnumerateAsync(ct))
        {
            var chunk = item.Data;
            if (chunk.Done)
            {
                finished = true;
                break;
            }

            if (chunk.Error is not null)
            {
                error = chunk.Error;
                break;
            }

            if (chunk.PromptTokens >= 0) prompt = chunk.PromptTokens;
            if (!string.IsNullOrEmpty(chunk.Content))
            {
                var now = NowUs();
                // Tokens in this chunk: the growth of the cumulative count when the server sends it with every chunk
                // (vLLM's continuous_usage_stats), else one. A chunk of k tokens after the first gives k gaps of
                // gap / k, so ITL is per token whatever the server's stream interval or speculative decoding.
                var counted = Math.Max(completion, 0);
                var tokens = chunk.CompletionTokens > counted ? chunk.CompletionTokens - counted : 1;
                if (first < 0)
                {
                    first = now;
                    _series.Add(now, SecondColumn.TtftSumUs, now - box.Record.ScheduledUs);
                    _series.Add(now, SecondColumn.TtftCount, 1);
                }
                else
                {
                    var gap = (now - last) / tokens;
                    for (var i = 0; i < tokens; i++) gaps.Add(gap);
                }

                last = now;
                chunks++;
                _series.Add(now, SecondColumn.OutputTokens, 1);
                text.Append(chunk.Content);
            }

            if (chunk.CompletionTokens >= 0) completion = chunk.CompletionTokens;
        }

        box.Record.FirstTokenUs = first;
        box.Record.LastTokenUs = first < 0 ? -1 : last;
        box.Record.Chunks = chunks;
        box.Record.ServerInputTokens = prompt;
        box.Record.ServerOutputTokens = completion;
        if (error is not null)
        {
            Fail(box, RequestError.BadStream, "error in stream: " + error);
        }
        else if (!finished)
        {
            Fail(box, RequestError.Disconnect, "the stream ended before data: [DONE]");
        }
    }

    private async Task ReadBodyAsync(HttpResponseMessage response, StringBuilder text, Box box, CancellationToken ct)
    {
        var body = await response.Content.ReadAsByteArrayAsync(ct);
        if (response.Content.Headers.ContentType?.MediaType != "application/json")
        {
            Fail(box, RequestError.BadStream, $"expected application/json, got {response.Content.Headers.ContentType?.MediaType ?? "no content type"}: {OpenAiWire.Excerpt(body)}");
            return;
        }

        var chunk = OpenAiWire.ParseObject(body);
        box.Record.ServerInputTokens = chunk.PromptTokens;
        box.Record.ServerOutputTokens = chunk.CompletionTokens;
        if (chunk.Error is not null)
        {
            Fail(box, RequestError.BadStream, chunk.Error);
            return;
        }

        box.Record.Chunks = chunk.Content is null ? 0 : 1;
        text.Append(chunk.Content);
    }

    private static async Task<byte[]> ReadSomeAsync(HttpResponseMessage response, CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[4096];
        var read = 0;
        int n;
        while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), ct)) > 0)
        {
            read += n;
        }

        return buffer[..read];
    }

    private void Fail(Box box, RequestError kind, string message)
    {
        box.Record.Error = kind;
        _errorSamples.TryAdd(box.Record.ErrorLabel, message);
    }

    private void Complete(ref RequestRecord record, List<long>? gaps, StringBuilder text)
    {
        if (record.Error == RequestError.Cancelled)
        {
            lock (_gate)
            {
                _records.Add(record);
            }

            return;
        }

        record.OutputTokens = TokenCounter.Shared.Count(text.ToString());
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

        _observer?.Invoke(record);
        lock (_gate)
        {
            _records.Add(record);
            if (record.Ok && !record.Warmup && gaps is not null)
            {
                var histogram = _itl[record.Step];
                foreach (var gap in gaps)
                {
                    histogram.Record(gap);
                }
            }
        }
    }

    private byte[] Body(long index)
    {
        var slot = (int)(index % _bodies.Length);
        return _bodies[slot] ??= OpenAiWire.Body(_plan, _prompts[index]);
    }

    private int ChooseEndpoint()
    {
        if (_urls.Length == 1)
        {
            return 0;
        }

        var start = (int)((ulong)Interlocked.Increment(ref _rr) % (ulong)_urls.Length);
        if (_plan.Spread == Spread.RoundRobin)
        {
            return start;
        }

        // Least in flight; ties go round the ring so equal endpoints share the load.
        var best = start;
        for (var k = 1; k < _urls.Length; k++)
        {
            var i = (start + k) % _urls.Length;
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
        var ttftCount = _series.Get(second, SecondColumn.TtftCount);
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
            ttftCount > 0 ? _series.Get(second, SecondColumn.TtftSumUs) / (double)ttftCount / 1000 : null,
            _plan.Steps[step].TargetRate);
    }

    private long NowUs() => Stopwatch.GetElapsedTime(_start).Ticks / 10;

    private static long Micro(TimeSpan span) => span.Ticks / 10;

    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }
}
