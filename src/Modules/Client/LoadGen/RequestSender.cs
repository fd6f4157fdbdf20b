using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Net.Sockets;
using System.Text;
using Aibench.Client.LoadGen.Datasets;

namespace Aibench.Client.LoadGen;

/// <summary>
/// Sends one request of a run to an OpenAI-compatible endpoint and reads its answer: the SSE stream of a streaming
/// run (first token, every text chunk and its inter-token gaps, usage, <c>[DONE]</c>) or the whole body otherwise, and
/// classifies what went wrong (docs/metrics.md, Errors). <see cref="OpenAiWire"/> knows the format; this type does the
/// I/O and takes the times, on the run's clock, as the chunks arrive.
/// </summary>
internal sealed class RequestSender : IDisposable
{
    private readonly LoadPlan _plan;
    private readonly PromptSet _prompts;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly Uri[] _urls;
    private readonly byte[]?[] _bodies;
    private readonly PerSecond _series;
    private readonly RunClock _clock;
    private readonly ConcurrentDictionary<string, string> _errorSamples = new();

    public RequestSender(LoadPlan plan, PromptSet prompts, HttpClient? http, PerSecond series, RunClock clock)
    {
        _plan = plan;
        _prompts = prompts;
        _http = http ?? CreateHttpClient();
        _ownsHttp = http is null;
        _urls = [.. plan.Endpoints.Select(e => new Uri(e, OpenAiWire.Path(plan.Api)))];
        _bodies = new byte[]?[prompts.Count];
        _series = series;
        _clock = clock;
    }

    /// <summary>How many endpoints requests can go to.</summary>
    public int Endpoints => _urls.Length;

    /// <summary>One message per error kind (its label), the first one seen.</summary>
    public IReadOnlyDictionary<string, string> ErrorSamples => _errorSamples;

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

    /// <summary>A request on its way: its record on the heap (async methods cannot hold a ref to it across awaits), its gaps and text.</summary>
    internal sealed class Exchange(bool stream, int maxTokens)
    {
        public RequestRecord Record;

        /// <summary>
        /// The gap before each content chunk after the first, in µs (streaming only): vLLM's per-request <c>itls</c>, one
        /// gap per chunk whatever it carried. Ints: a gap over 35 minutes is clamped.
        /// </summary>
        public List<int>? ChunkGaps { get; } = stream ? new List<int>(Math.Min(maxTokens, 1024)) : null;

        /// <summary>
        /// Tokens in each of those chunks, when one carried more than one (then the pooled ITL counts its gap once per token,
        /// at gap / tokens); null while every chunk carried one, which is most runs, so nothing is allocated for it.
        /// </summary>
        public List<int>? ChunkTokens { get; private set; }

        public void AddGap(long gapUs, int tokens)
        {
            if (tokens != 1 && ChunkTokens is null)
            {
                ChunkTokens = new List<int>(ChunkGaps!.Capacity);
                ChunkTokens.AddRange(Enumerable.Repeat(1, ChunkGaps.Count));
            }

            ChunkGaps!.Add((int)Math.Clamp(gapUs, 0, int.MaxValue));
            ChunkTokens?.Add(tokens);
        }

        /// <summary>The generated text, for the client's own token count.</summary>
        public StringBuilder Text { get; } = new();
    }

    /// <summary>
    /// Sends <paramref name="exchange"/>'s request to endpoint <paramref name="endpoint"/> and reads the answer into its
    /// record. Never throws for the request's own failures: they become the record's error.
    /// </summary>
    /// <param name="runCt">The run's cancellation: a request it stops is <see cref="RequestError.Cancelled"/>, not failed.</param>
    /// <param name="ct">The run's cancellation linked with the request timeout.</param>
    public async Task SendAsync(Exchange exchange, int endpoint, CancellationToken runCt, CancellationToken ct)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, _urls[endpoint])
                { Content = new ByteArrayContent(Body(exchange.Record.Index)) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            exchange.Record.HttpStatus = (short)response.StatusCode;
            if (!response.IsSuccessStatusCode)
            {
                var body = await ReadSomeAsync(response, ct);
                Fail(exchange, RequestError.Http, $"HTTP {(int)response.StatusCode}: {OpenAiWire.Excerpt(body)}");
            }
            else if (_plan.Stream)
            {
                await ReadStreamAsync(response, exchange, ct);
            }
            else
            {
                await ReadBodyAsync(response, exchange, ct);
            }
        }
        catch (OperationCanceledException) when (runCt.IsCancellationRequested)
        {
            exchange.Record.Error = RequestError.Cancelled;
        }
        catch (OperationCanceledException)
        {
            Fail(exchange, RequestError.Timeout, $"no complete answer within {Shared.Text.Duration.Format(_plan.Timeout)}");
        }
        catch (HttpRequestException e) when (e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
                                             or HttpRequestError.SecureConnectionError || e.InnerException is SocketException)
        {
            Fail(exchange, exchange.Record.HttpStatus == 0 ? RequestError.Connect : RequestError.Disconnect, e.Message);
        }
        catch (HttpRequestException e) when (e.HttpRequestError is HttpRequestError.InvalidResponse or HttpRequestError.HttpProtocolError)
        {
            Fail(exchange, RequestError.BadStream, e.Message);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            Fail(exchange, RequestError.Disconnect, e.Message);
        }
        catch (FormatException e)
        {
            Fail(exchange, RequestError.BadStream, e.Message);
        }
    }

    private async Task ReadStreamAsync(HttpResponseMessage response, Exchange exchange, CancellationToken ct)
    {
        if (response.Content.Headers.ContentType?.MediaType != "text/event-stream")
        {
            var body = await ReadSomeAsync(response, ct);
            Fail(exchange, RequestError.BadStream,
                $"expected text/event-stream, got {response.Content.Headers.ContentType?.MediaType ?? "no content type"}: "
                    + $"{OpenAiWire.Excerpt(body)}");
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
                var now = _clock.NowUs();
                // Tokens in this chunk: the growth of the cumulative count when the server sends it with every chunk
                // (vLLM's continuous_usage_stats), else one. A chunk of k tokens after the first counts as k gaps of
                // gap / k in the pooled ITL, so it is per token whatever the server's stream interval or speculative
                // decoding; the per-request list (vLLM's itls) keeps the one chunk gap, as vLLM bench does.
                var counted = Math.Max(completion, 0);
                var tokens = chunk.CompletionTokens > counted ? chunk.CompletionTokens - counted : 1;
                if (first < 0)
                {
                    first = now;
                    _series.Add(now, SecondColumn.TtftSumUs, now - exchange.Record.ScheduledUs);
                    _series.Add(now, SecondColumn.TtftCount, 1);
                }
                else
                {
                    exchange.AddGap(now - last, tokens);
                }

                last = now;
                chunks++;
                _series.Add(now, SecondColumn.OutputTokens, 1);
                exchange.Text.Append(chunk.Content);
            }

            if (chunk.CompletionTokens >= 0) completion = chunk.CompletionTokens;
        }

        exchange.Record.FirstTokenUs = first;
        exchange.Record.LastTokenUs = first < 0 ? -1 : last;
        exchange.Record.Chunks = chunks;
        exchange.Record.ServerInputTokens = prompt;
        exchange.Record.ServerOutputTokens = completion;
        if (error is not null)
        {
            Fail(exchange, RequestError.BadStream, "error in stream: " + error);
        }
        else if (!finished)
        {
            Fail(exchange, RequestError.Disconnect, "the stream ended before data: [DONE]");
        }
    }

    private async Task ReadBodyAsync(HttpResponseMessage response, Exchange exchange, CancellationToken ct)
    {
        var body = await response.Content.ReadAsByteArrayAsync(ct);
        if (response.Content.Headers.ContentType?.MediaType != "application/json")
        {
            Fail(exchange, RequestError.BadStream,
                $"expected application/json, got {response.Content.Headers.ContentType?.MediaType ?? "no content type"}: {OpenAiWire.Excerpt(body)}");
            return;
        }

        var chunk = OpenAiWire.ParseObject(body);
        exchange.Record.ServerInputTokens = chunk.PromptTokens;
        exchange.Record.ServerOutputTokens = chunk.CompletionTokens;
        if (chunk.Error is not null)
        {
            Fail(exchange, RequestError.BadStream, chunk.Error);
            return;
        }

        exchange.Record.Chunks = chunk.Content is null ? 0 : 1;
        exchange.Text.Append(chunk.Content);
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

    private void Fail(Exchange exchange, RequestError kind, string message)
    {
        exchange.Record.Error = kind;
        _errorSamples.TryAdd(exchange.Record.ErrorLabel, message);
    }

    private byte[] Body(long index)
    {
        var slot = (int)(index % _bodies.Length);
        return _bodies[slot] ??= OpenAiWire.Body(_plan, _prompts[index]);
    }

    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }
}
