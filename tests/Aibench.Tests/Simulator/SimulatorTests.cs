using System.ClientModel;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Aibench.Simulator;
using Microsoft.AspNetCore.Builder;
using OpenAI;
using OpenAI.Chat;

using Aibench.Tests.Infrastructure;

namespace Aibench.Tests.Simulator;

public sealed partial class SimulatorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_openai_sdk_gets_chat_answers_with_correct_usage_streaming_and_not()
    {
        await using var sim = await Sim.StartAsync(new SimOptions { Ttft = TimeSpan.FromMilliseconds(5), Itl = TimeSpan.FromMilliseconds(1) });
        var chat = sim.Chat();
        ChatMessage[] messages = [new UserChatMessage("Hello world")];

        ChatCompletion completion = await chat.CompleteChatAsync(messages, new ChatCompletionOptions { MaxOutputTokenCount = 12 }, Ct);
        Assert.Equal(12, completion.Usage.OutputTokenCount);
        Assert.True(completion.Usage.InputTokenCount > 2);
        Assert.Equal(completion.Usage.InputTokenCount + 12, completion.Usage.TotalTokenCount);
        Assert.Equal(ChatFinishReason.Length, completion.FinishReason);
        Assert.False(string.IsNullOrWhiteSpace(completion.Content[0].Text));

        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;
        await foreach (var update in chat.CompleteChatStreamingAsync(messages, new ChatCompletionOptions { MaxOutputTokenCount = 12 }, Ct))
        {
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }

        Assert.Equal(12, usage!.OutputTokenCount);
        Assert.Equal(completion.Usage.InputTokenCount, usage.InputTokenCount);
        Assert.Equal(ChatFinishReason.Length, finish);
        // The same seed and prompt give the same text.
        Assert.Equal(completion.Content[0].Text, text.ToString());
    }

    [Fact]
    public async Task Completions_count_prompt_tokens_with_the_real_tokenizer_and_honour_ignore_eos()
    {
        await using var sim = await Sim.StartAsync(new SimOptions { Ttft = TimeSpan.FromMilliseconds(1), Itl = TimeSpan.FromMilliseconds(1) });
        var response = await sim.Http.PostAsJsonAsync(new Uri(sim.Url, "/v1/completions"),
            new { model = "sim-model", prompt = "Hello world", max_tokens = 300, ignore_eos = true }, Ct);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("text_completion", body.GetProperty("object").GetString());
        Assert.Equal(2, body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32()); // "Hello", " world" in o200k
        Assert.Equal(300, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal("length", body.GetProperty("choices")[0].GetProperty("finish_reason").GetString());

        var natural = await (await sim.Http.PostAsJsonAsync(new Uri(sim.Url, "/v1/completions"),
            new { model = "sim-model", prompt = "Hello world", max_tokens = 300 }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("stop", natural.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.True(natural.GetProperty("usage").GetProperty("completion_tokens").GetInt32() < 300);
    }

    [Fact]
    public async Task Streams_end_as_vllms_do_with_usage_and_done()
    {
        await using var sim = await Sim.StartAsync(new SimOptions { Ttft = TimeSpan.FromMilliseconds(1), Itl = TimeSpan.FromMilliseconds(1) });
        var events = await StreamAsync(sim,
            new { model = "sim-model", prompt = "Hi", max_tokens = 3, stream = true, stream_options = new { include_usage = true } },
                "/v1/completions");
        Assert.Equal("[DONE]", events[^1].Data);
        var usage = JsonDocument.Parse(events[^2].Data).RootElement;
        Assert.Equal(0, usage.GetProperty("choices").GetArrayLength());
        Assert.Equal(3, usage.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        var final = JsonDocument.Parse(events[^3].Data).RootElement.GetProperty("choices")[0];
        Assert.Equal("length", final.GetProperty("finish_reason").GetString());
        Assert.Equal(3, events.Count(e => e.Data != "[DONE]" && JsonDocument.Parse(e.Data).RootElement.GetProperty("choices") is { } c
            && c.GetArrayLength() == 1 && c[0].GetProperty("text").GetString()!.Length > 0));
    }

    [Fact]
    [Trait("Category", TimingCollection.Trait)]
    public async Task Fixed_latency_mode_gives_the_configured_ttft_and_gaps_within_a_millisecond()
    {
        await using var sim = await Sim.StartAsync(new SimOptions { Ttft = TimeSpan.FromMilliseconds(50), Itl = TimeSpan.FromMilliseconds(10) });
        var request = new { model = "sim-model", messages = new[] { new { role = "user", content = "Hello" } }, max_tokens = 20, ignore_eos = true,
            stream = true };
        await StreamAsync(sim, request, "/v1/chat/completions");
        var ttfts = new List<double>();
        var totals = new List<double>();
        var gaps = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var events = await StreamAsync(sim, request, "/v1/chat/completions");
            // The role chunk is written as the request arrives: from it on, the time is the server's pacing alone,
            // without this machine's HTTP round trip.
            var role = events[0];
            var content = events.Skip(1).Where(e => e.Data != "[DONE]"
                && JsonDocument.Parse(e.Data).RootElement.GetProperty("choices")[0].GetProperty("finish_reason").ValueKind
                    == JsonValueKind.Null).ToList();
            Assert.Equal(20, content.Count);
            ttfts.Add(content[0].At - role.At);
            totals.Add(content[0].At);
            gaps.AddRange(content.Zip(content.Skip(1), (a, b) => b.At - a.At));
        }

        ttfts.Sort();
        totals.Sort();
        gaps.Sort();
        Assert.InRange(ttfts[ttfts.Count / 2], 49.0, 51.0);
        Assert.InRange(gaps[gaps.Count / 2], 9.0, 11.0);
        Assert.InRange(gaps.Average(), 9.0, 11.0);
        // Seen from the client, the round trip on loopback comes on top.
        Assert.InRange(totals[totals.Count / 2], 49.0, 53.0);
    }

    [Fact]
    public async Task With_max_num_seqs_4_eight_requests_run_four_at_a_time_and_the_rest_wait()
    {
        await using var sim = await Sim.StartAsync(new SimOptions { MaxNumSeqs = 4, DecodeBase = TimeSpan.FromMilliseconds(20),
            DecodePerSeq = TimeSpan.Zero });
        var requests = Enumerable.Range(0, 8).Select(i => sim.Http.PostAsJsonAsync(new Uri(sim.Url, "/v1/completions"),
            new { model = "sim-model", prompt = $"request {i}", max_tokens = 50, ignore_eos = true }, Ct)).ToList();

        var seen = false;
        for (var i = 0; i < 40 && !seen; i++)
        {
            await Task.Delay(50, Ct);
            var metrics = await sim.MetricsAsync();
            seen = Value(metrics, "vllm:num_requests_running") == 4 && Value(metrics, "vllm:num_requests_waiting") == 4;
        }

        Assert.True(seen, "never saw 4 running and 4 waiting");
        await Task.WhenAll(requests);
        var after = await sim.MetricsAsync();
        Assert.Equal(0, Value(after, "vllm:num_requests_running"));
        Assert.Equal(8, Value(after, "vllm:request_queue_time_seconds_count"));
        // The second four waited a whole generation of the first four: about 50 steps of 20 ms.
        Assert.True(Value(after, "vllm:request_queue_time_seconds_sum") > 4 * 0.8, after);
        Assert.Equal(400, Value(after, "vllm:generation_tokens_total"));
        Assert.Equal(8, Value(after, "vllm:request_success_total", "finished_reason=\"length\""));
    }

    [Fact]
    public async Task A_full_kv_cache_preempts_sequences_and_every_request_still_completes()
    {
        await using var sim = await Sim.StartAsync(new SimOptions
        {
            MaxModelLen = 256, KvCacheTokens = 600, DecodeBase = TimeSpan.FromMilliseconds(2), DecodePerSeq = TimeSpan.Zero,
            PrefillBase = TimeSpan.FromMilliseconds(1), PrefillPerToken = TimeSpan.Zero,
        });
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => sim.Http.PostAsJsonAsync(new Uri(sim.Url, "/v1/completions"),
            new { model = "sim-model", prompt = $"request {i}", max_tokens = 200, ignore_eos = true }, Ct)));
        foreach (var response in responses)
        {
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
            Assert.Equal(200, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        }

        var metrics = await sim.MetricsAsync();
        Assert.True(Value(metrics, "vllm:num_preemptions_total") > 0, metrics);
        Assert.Equal(0, Value(metrics, "vllm:kv_cache_usage_perc"));
    }

    [Fact]
    public async Task Promtool_parses_the_metrics_and_counters_and_histograms_move()
    {
        var promtool = new[] { "/usr/bin/promtool", "/usr/local/bin/promtool" }.FirstOrDefault(File.Exists);
        Assert.SkipWhen(promtool is null && Environment.GetEnvironmentVariable("AIBENCHTEST_REQUIRE_SLURM") != "1",
            "promtool is not installed (scripts/test.sh installs prometheus)");
        Assert.NotNull(promtool);
        await using var sim = await Sim.StartAsync(new SimOptions { Ttft = TimeSpan.FromMilliseconds(1), Itl = TimeSpan.FromMilliseconds(1) });
        var before = await sim.MetricsAsync();
        await sim.Http.PostAsJsonAsync(new Uri(sim.Url, "/v1/completions"), new { model = "sim-model", prompt = "Hello world", max_tokens = 5 }, Ct);
        var after = await sim.MetricsAsync();

        Assert.Equal(Value(before, "vllm:prompt_tokens_total") + 2, Value(after, "vllm:prompt_tokens_total"));
        Assert.Equal(Value(before, "vllm:generation_tokens_total") + 5, Value(after, "vllm:generation_tokens_total"));
        Assert.Equal(Value(before, "vllm:time_to_first_token_seconds_count") + 1, Value(after, "vllm:time_to_first_token_seconds_count"));
        Assert.Equal(Value(before, "vllm:inter_token_latency_seconds_count") + 4, Value(after, "vllm:inter_token_latency_seconds_count"));

        var info = new ProcessStartInfo(promtool!) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("check");
        info.ArgumentList.Add("metrics");
        using var process = Process.Start(info)!;
        await process.StandardInput.WriteAsync(after);
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync(Ct) + await process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        // Lint complaints (":" in vLLM's own names) are expected; a parse error is not.
        Assert.DoesNotContain("error while linting", output);
        Assert.DoesNotContain("parse", output, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("""{"model":"other","prompt":"x"}""", "model")]
    [InlineData("""{"model":"sim-model","prompt":"x","n":2}""", "n")]
    [InlineData("""{"model":"sim-model","prompt":"x","max_tokens":-1}""", "max_tokens")]
    [InlineData("""{"model":"sim-model","prompt":"x","max_tokens":9000}""", "messages")]
    [InlineData("""{"model":"sim-model","prompt":7}""", "prompt")]
    [InlineData("""{"model":"sim-model","prompt":"x","stream":"yes"}""", null)]
    [InlineData("""{"model":"sim-model","prompt":"x""", null)]
    [InlineData("""[1,2]""", null)]
    public async Task Bad_requests_get_vllm_style_400s(string body, string? param)
    {
        await using var sim = await Sim.StartAsync(new SimOptions { Ttft = TimeSpan.FromMilliseconds(1), Itl = TimeSpan.FromMilliseconds(1) });
        var response = await sim.Http.PostAsync(new Uri(sim.Url, "/v1/completions"), new StringContent(body, Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("error", error.GetProperty("object").GetString());
        Assert.Equal(400, error.GetProperty("code").GetInt32());
        if (param is not null) Assert.Equal(param, error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task Injected_faults_fail_requests_drop_streams_and_delay_readiness()
    {
        await using (var failing = await
            Sim.StartAsync(new SimOptions { Ttft = TimeSpan.FromMilliseconds(1), Itl = TimeSpan.FromMilliseconds(1), ErrorRate = 1,
                ErrorStatus = 503 }))
        {
            var response = await failing.Http.PostAsJsonAsync(new Uri(failing.Url, "/v1/completions"), new { model = "sim-model", prompt = "x" }, Ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        }

        await using (var dropping = await
            Sim.StartAsync(new SimOptions { Ttft = TimeSpan.FromMilliseconds(1), Itl = TimeSpan.FromMilliseconds(5), DropRate = 1 }))
        {
            // The simulator drops the connection after half the tokens, as a dying replica would. What the client sees of
            // that depends on timing, and each outcome is legitimate: the reset can arrive before the client has read the
            // response headers (the kernel then discards what was unread, and SendAsync fails), or after some or all of
            // the sent events. What never happens: a clean end, a [DONE], more than half the tokens.
            var (events, error) = await TryStreamAsync(dropping,
                new { model = "sim-model", prompt = "x", max_tokens = 20, ignore_eos = true, stream = true }, "/v1/completions");
            Assert.True(error is IOException or HttpRequestException, $"the stream ended without an error ({error?.GetType().Name ?? "clean end"})");
            Assert.DoesNotContain(events, e => e.Data == "[DONE]");
            Assert.InRange(events.Count, 0, 10);
            // The server's side is deterministic: it counted the request as aborted, not finished.
            var metrics = await dropping.MetricsAsync();
            Assert.Equal(1, Value(metrics, "vllm:request_success_total", "finished_reason=\"abort\""));
            Assert.Equal(0, Value(metrics, "vllm:request_success_total", "finished_reason=\"length\""));
        }

        var delay = TimeSpan.FromSeconds(3);
        var started = Stopwatch.GetTimestamp();
        await using var slow = await Sim.StartAsync(new SimOptions { Ttft = TimeSpan.FromMilliseconds(1), Itl = TimeSpan.FromMilliseconds(1),
            StartupDelay = delay });
        var health = await slow.Http.GetAsync(new Uri(slow.Url, "/health"), Ct);
        // Not ready is only certain while the delay has not run out (a loaded machine may take long to send the first request).
        if (Stopwatch.GetElapsedTime(started) < delay) Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        await Task.Delay(delay + TimeSpan.FromMilliseconds(200), Ct);
        Assert.Equal(HttpStatusCode.OK, (await slow.Http.GetAsync(new Uri(slow.Url, "/health"), Ct)).StatusCode);
    }

    private sealed record Event(string Data, double At);

    /// <summary>Sends a streaming request and returns every SSE data line with its arrival time in ms after the send.</summary>
    private static async Task<List<Event>> StreamAsync(Sim sim, object body, string path)
    {
        var (events, error) = await TryStreamAsync(sim, body, path);
        if (error is not null) throw new InvalidOperationException("The stream failed.", error);
        return events;
    }

    /// <summary>Like <see cref="StreamAsync"/>, but a failure of the exchange (at send or mid-stream) is returned, not thrown.</summary>
    private static async Task<(List<Event> Events, Exception? Error)> TryStreamAsync(Sim sim, object body, string path)
    {
        var events = new List<Event>();
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(sim.Url, path)) { Content = JsonContent.Create(body) };
        var sent = Stopwatch.GetTimestamp();
        try
        {
            using var response = await sim.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));
            while (await reader.ReadLineAsync(Ct) is { } line)
            {
                if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    events.Add(new Event(line[6..], Stopwatch.GetElapsedTime(sent).TotalMilliseconds));
                }
            }
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            return (events, e);
        }

        return (events, null);
    }

    private static double Value(string metrics, string name, string? label = null)
    {
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith(name + "{", StringComparison.Ordinal)
            && (label is null || l.Contains(label, StringComparison.Ordinal)));
        return line is null ? double.NaN : double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
