using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Aibench.Shared.Tokenizers;
using static Aibench.Simulator.SimWire;

namespace Aibench.Simulator;

/// <summary>
/// An inference server that looks like vLLM's OpenAI-compatible server to clients and to monitoring: same routes,
/// same request fields, same SSE chunks and error bodies, same metric names. It generates text, not answers.
/// </summary>
internal sealed class SimServer
{
    private readonly SimOptions _options;
    private readonly SimTokenizer _tokenizer;
    private readonly SimMetrics _metrics;
    private readonly IEngine _engine;
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly long _createdUnix = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    private long _tokenizeCalls;

    public SimServer(SimOptions options)
    {
        _options = options;
        _tokenizer = new SimTokenizer(options.TokenizerPath is { } path ? TokenizerFile.Load(path) : null);
        _metrics = new SimMetrics(options.Model);
        _engine = options.FixedLatency ? new FixedLatencyEngine(options) : new BatchingEngine(options, _metrics);
    }

    public WebApplication Build()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        var host = _options.Host.Contains(':', StringComparison.Ordinal) ? $"[{_options.Host}]" : _options.Host;
        builder.WebHost.UseUrls($"http://{host}:{_options.Port}");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxConcurrentConnections = null);
        var app = builder.Build();

        app.MapGet("/health", () => Warm() ? Results.Ok() : Results.StatusCode(503));
        app.MapGet("/version", () => Results.Json(new { version = "0.6.6+aibench-sim" }));
        app.MapGet("/metrics", () => Results.Text(_metrics.Render(), "text/plain; version=0.0.4; charset=utf-8"));
        app.MapGet("/v1/models", () => Results.Json(new
        {
            @object = "list",
            data = new[] { new { id = _options.Model, @object = "model", created = _createdUnix, owned_by = "vllm", root = _options.Model,
                parent = (string?)null, max_model_len = _options.MaxModelLen } },
        }));
        if (_options.ServeTokenize)
        {
            app.MapPost("/tokenize", TokenizeAsync);
            app.MapPost("/detokenize", DetokenizeAsync);
        }
        app.MapPost("/v1/completions", ctx => GenerateAsync(ctx, chat: false));
        app.MapPost("/v1/chat/completions", ctx => GenerateAsync(ctx, chat: true));
        return app;
    }

    /// <summary>Calls to <c>/tokenize</c> so far: how many a client needed is part of what it costs.</summary>
    public long TokenizeCalls => Interlocked.Read(ref _tokenizeCalls);

    /// <summary>The address actually bound (port 0 picks a free one).</summary>
    public static string Address(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    private bool Warm() => Stopwatch.GetElapsedTime(_started) >= _options.StartupDelay;

    /// <summary>vLLM's <c>POST /tokenize</c>: a completions prompt (special tokens added by default) or chat messages (not).</summary>
    private async Task TokenizeAsync(HttpContext context)
    {
        Interlocked.Increment(ref _tokenizeCalls);
        var body = await ReadAsync(context);
        if (body is null || !await KnownModelAsync(context, body)) return;
        string text;
        bool specials;
        if (body["prompt"] is JsonValue p && p.TryGetValue<string>(out var prompt))
        {
            text = prompt;
            specials = true;
        }
        else if (body["messages"] is JsonArray messages)
        {
            text = Template(messages);
            specials = false;
        }
        else
        {
            await Error(context, 400, "Give 'prompt' (a string) or 'messages' (a list).", "BadRequestError", "prompt");
            return;
        }

        if (!Flag(body, "add_special_tokens", out var add) || !Flag(body, "return_token_strs", out var strs))
        {
            await Error(context, 400, "'add_special_tokens' and 'return_token_strs' must be true or false.", "BadRequestError");
            return;
        }

        if (body["add_special_tokens"] is not null) specials = add;
        var tokens = _tokenizer.Encode(text).ToList();
        var count = tokens.Count + (specials ? _tokenizer.Specials : 0);
        await context.Response.WriteAsJsonAsync(new
        {
            count,
            max_model_len = _options.MaxModelLen,
            tokens,
            // vLLM 0.6 has no return_token_strs; newer ones give the vocabulary's own strings.
            token_strs = strs && _options.TokenStrs ? tokens.Select(_tokenizer.TokenString).ToList() : null,
        });
    }

    /// <summary>vLLM's <c>POST /detokenize</c>: token ids back to text.</summary>
    private async Task DetokenizeAsync(HttpContext context)
    {
        var body = await ReadAsync(context);
        if (body is null || !await KnownModelAsync(context, body)) return;
        if (body["tokens"] is not JsonArray array || array.Any(t => t is not JsonValue v || !v.TryGetValue<int>(out _)))
        {
            await Error(context, 400, "'tokens' must be a list of token ids.", "BadRequestError", "tokens");
            return;
        }

        var text = _tokenizer.Decode([.. array.Select(t => t!.GetValue<int>())]);
        if (text is null)
        {
            await Error(context, 400, "A token id is outside the vocabulary.", "BadRequestError", "tokens");
            return;
        }

        await context.Response.WriteAsJsonAsync(new { prompt = text });
    }

    /// <summary>As vLLM: a model other than the one served is a 404 NotFoundError; none given means the served one.</summary>
    private async Task<bool> KnownModelAsync(HttpContext context, JsonObject body)
    {
        if (body["model"] is null || body["model"]!.ToString() == _options.Model)
        {
            return true;
        }

        await Error(context, 404, $"The model `{body["model"]}` does not exist.", "NotFoundError", "model");
        return false;
    }

    private async Task GenerateAsync(HttpContext context, bool chat)
    {
        var arrived = Stopwatch.GetTimestamp();
        if (!Warm())
        {
            await Error(context, 503, "The server is still starting.", "ServiceUnavailableError");
            return;
        }

        var body = await ReadAsync(context);
        if (body is null) return;

        var model = body["model"]?.ToString();
        if (model != _options.Model)
        {
            await Error(context, 400, $"The model `{model}` does not exist.", "NotFoundError", "model");
            return;
        }

        string prompt;
        if (chat)
        {
            if (body["messages"] is not JsonArray messages || messages.Count == 0)
            {
                await Error(context, 400, "'messages' must be a non-empty list.", "BadRequestError", "messages");
                return;
            }

            prompt = Template(messages);
        }
        else if (body["prompt"] is JsonValue p && p.TryGetValue<string>(out var promptText))
        {
            prompt = promptText;
        }
        else
        {
            await Error(context, 400, "'prompt' must be a string.", "BadRequestError", "prompt");
            return;
        }

        if (body["n"] is { } n && n.ToString() != "1")
        {
            await Error(context, 400, "n > 1 is not supported by this server.", "BadRequestError", "n");
            return;
        }

        // As vLLM: a completions prompt gets the tokenizer's special tokens; a chat template writes its own.
        var promptTokens = chat ? _tokenizer.Count(prompt) : _tokenizer.CountPrompt(prompt);
        int? maxTokens = null;
        foreach (var field in new[] { "max_completion_tokens", "max_tokens" })
        {
            if (body[field] is { } value)
            {
                if (value is not JsonValue v || !v.TryGetValue<int>(out var m) || m < 1)
                {
                    await Error(context, 400, $"'{field}' must be a positive integer.", "BadRequestError", field);
                    return;
                }

                maxTokens ??= m;
            }
        }

        // vLLM's defaults: 16 for completions, the rest of the context for chat.
        var max = maxTokens ?? (chat ? _options.MaxModelLen - promptTokens : 16);
        if (promptTokens + max > _options.MaxModelLen || max < 1)
        {
            await Error(context, 400,
                $"This model's maximum context length is {_options.MaxModelLen} tokens. However, you requested {promptTokens + Math.Max(max, 0)} "
                    + $"tokens ({promptTokens} in the messages, {max} in the completion). Please reduce the length of the messages or completion.",
                "BadRequestError", "messages");
            return;
        }

        if (!Flag(body, "ignore_eos", out var ignoreEos) || !Flag(body, "stream", out var stream)
            || !Flag(body["stream_options"] as JsonObject, "include_usage", out var includeUsage)
            || !Flag(body["stream_options"] as JsonObject, "continuous_usage_stats", out var continuousUsage))
        {
            await Error(context, 400, "'ignore_eos', 'stream' and 'stream_options.include_usage' / 'continuous_usage_stats' must be true or false.",
                "BadRequestError");
            return;
        }

        // As vLLM: usage in every chunk only together with include_usage.
        continuousUsage &= includeUsage;

        var offset = _tokenizer.Offset(_options.Seed, prompt);
        // Without ignore_eos the "model" stops on its own at a length fixed by the seed and prompt.
        var output = ignoreEos ? max : Math.Min(max, 24 + (offset % 232));
        var finish = output < max ? "stop" : "length";

        var fault = Fault();
        if (fault is { } status)
        {
            await Error(context, status, "Injected fault (aibench sim --error-rate).", status == 503 ? "ServiceUnavailableError"
                : "InternalServerError");
            return;
        }

        var drop = _options.DropRate > 0 && Random.Shared.NextDouble() < _options.DropRate;
        var generation = _engine.Submit(promptTokens, output, arrived);
        var id = (chat ? "chatcmpl-" : "cmpl-") + Guid.NewGuid().ToString("N");
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var text = new StringBuilder();
        var pending = new StringBuilder();
        var last = generation.Arrived;
        var count = 0;
        if (generation.Paced is not null) Interlocked.Increment(ref _metrics.Running);
        try
        {
            if (stream)
            {
                context.Response.ContentType = "text/event-stream; charset=utf-8";
                context.Response.Headers.CacheControl = "no-cache";
                if (chat)
                {
                    await Sse(context, Chunk(id, created, chat, new JsonObject { ["role"] = "assistant", ["content"] = "" }, null));
                }
            }

            await foreach (var index in generation.ReadAllAsync(context.RequestAborted))
            {
                var now = Stopwatch.GetTimestamp();
                if (count == 0) _metrics.Ttft.Observe(Stopwatch.GetElapsedTime(generation.Arrived, now).TotalSeconds);
                else _metrics.Itl.Observe(Stopwatch.GetElapsedTime(last, now).TotalSeconds);
                last = now;
                count++;
                var piece = _tokenizer.Piece(offset, index);
                text.Append(piece);
                pending.Append(piece);
                if (stream && (count % _options.TokensPerChunk == 0 || count >= output))
                {
                    // Several tokens in one chunk when --tokens-per-chunk > 1, as vLLM's stream interval gives them.
                    var chunk = Chunk(id, created, chat, chat ? new JsonObject { ["content"] = pending.ToString() } : pending.ToString(), null);
                    if (continuousUsage) chunk["usage"] = new JsonObject { ["prompt_tokens"] = promptTokens, ["total_tokens"] = promptTokens + count,
                        ["completion_tokens"] = count };
                    pending.Clear();
                    await Sse(context, chunk);
                    if (drop && count >= output / 2)
                    {
                        // A dropped connection mid-stream, as when a replica dies: no final chunk, no [DONE].
                        generation.Cancel();
                        _metrics.Finished("abort");
                        context.Abort();
                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            generation.Cancel();
            _metrics.Finished("abort");
            return;
        }
        finally
        {
            if (generation.Paced is not null) Interlocked.Decrement(ref _metrics.Running);
        }

        _metrics.Completed(generation, Stopwatch.GetTimestamp());
        _metrics.PromptTokens.Observe(promptTokens);
        _metrics.GenerationTokens.Observe(count);
        _metrics.Tokens(promptTokens, count);
        _metrics.Finished(finish);
        var usage = new JsonObject { ["prompt_tokens"] = promptTokens, ["total_tokens"] = promptTokens + count, ["completion_tokens"] = count };
        if (stream)
        {
            await Sse(context, Chunk(id, created, chat, chat ? new JsonObject { ["content"] = "" } : "", finish));
            if (includeUsage)
            {
                await Sse(context, new JsonObject
                {
                    ["id"] = id, ["object"] = chat ? "chat.completion.chunk" : "text_completion", ["created"] = created, ["model"] = _options.Model,
                    ["choices"] = new JsonArray(), ["usage"] = usage,
                });
            }

            await context.Response.WriteAsync("data: [DONE]\n\n");
            return;
        }

        JsonNode choice = chat
            ? new JsonObject { ["index"] = 0, ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = text.ToString(),
                ["tool_calls"] = new JsonArray() }, ["logprobs"] = null, ["finish_reason"] = finish, ["stop_reason"] = null }
            : new JsonObject { ["index"] = 0, ["text"] = text.ToString(), ["logprobs"] = null, ["finish_reason"] = finish, ["stop_reason"] = null };
        await context.Response.WriteAsJsonAsync(new JsonObject
        {
            ["id"] = id, ["object"] = chat ? "chat.completion" : "text_completion", ["created"] = created, ["model"] = _options.Model,
            ["choices"] = new JsonArray(choice), ["usage"] = usage,
        });
    }

    private JsonObject Chunk(string id, long created, bool chat, JsonNode delta, string? finish)
    {
        JsonNode choice = chat
            ? new JsonObject { ["index"] = 0, ["delta"] = delta, ["logprobs"] = null, ["finish_reason"] = finish }
            : new JsonObject { ["index"] = 0, ["text"] = delta, ["logprobs"] = null, ["finish_reason"] = finish, ["stop_reason"] = null };
        if (chat && finish is not null) ((JsonObject)choice)["stop_reason"] = null;
        return new JsonObject
        {
            ["id"] = id, ["object"] = chat ? "chat.completion.chunk" : "text_completion", ["created"] = created, ["model"] = _options.Model,
            ["choices"] = new JsonArray(choice),
        };
    }

    private int? Fault()
    {
        return _options.ErrorRate > 0 && Random.Shared.NextDouble() < _options.ErrorRate ? _options.ErrorStatus : null;
    }
}
