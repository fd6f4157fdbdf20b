using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aibench.Client.LoadGen;
using Aibench.Client.LoadGen.Datasets;
using Aibench.Client.LoadGen.Tokenizers;
using Aibench.Contracts.Client;
using Aibench.Simulator;
using Aibench.Tests.Infrastructure;

namespace Aibench.Tests.Client;

/// <summary>
/// Prompt lengths in the served model's tokenizer: the server's /tokenize first, a tokenizer.json second, o200k last,
/// checked against the simulator serving a real model's tokenizer over HTTP.
/// </summary>
public sealed class PromptTokenizerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<Sim> SimAsync(string tokenizer, bool serveTokenize = true, int maxModelLen = 8192, bool tokenStrs = true)
        => Sim.StartAsync(new SimOptions
    {
        Ttft = TimeSpan.FromMilliseconds(1), Itl = TimeSpan.FromMilliseconds(1), TokenizerPath = tokenizer, ServeTokenize = serveTokenize,
            TokenStrs = tokenStrs,
        MaxModelLen = maxModelLen, KvCacheTokens = Math.Max(maxModelLen, 140_000),
    });

    /// <summary>As the job and the CLI do it: model, tokenizer, dataset, fit check, run, summary.</summary>
    private static async Task<(RunOutcome Outcome, RunSummary Summary, PromptSet Prompts)> RunAsync(Sim sim, BenchmarkSpec spec)
    {
        spec = spec with { Urls = [sim.Url.ToString()] };
        var validation = new BenchmarkSpecValidator().Validate(spec);
        Assert.True(validation.IsValid, string.Join("; ", validation.Errors.Select(e => $"{e.PropertyName}: {e.ErrorMessage}")));
        using var http = RequestSender.CreateHttpClient();
        var model = await TargetResolver.ModelAsync(spec.Model, sim.Url, http, Ct);
        var (tokenizer, note) = await PromptTokenizers.ResolveAsync(spec.Tokenizer, sim.Url, model, http, Ct);
        var prompts = await DatasetLoader.LoadAsync(spec.Dataset, spec.Api, spec.Seed, tokenizer, Ct);
        Assert.Null(DatasetLoader.CheckFits(prompts, tokenizer.MaxModelLen));
        var plan = LoadPlan.From(spec, [sim.Url], model);
        using var runner = new LoadRunner(plan, prompts, http);
        var outcome = await runner.RunAsync(prompts.Description, null, Ct);
        return (outcome, Summarizer.Summarize(outcome, prompts.Tokenizer) with { TokenizerNote = note }, prompts);
    }

    private static BenchmarkSpec Spec(string dataset, int requests = 120, string? tokenizer = null, string api = "completions") => new(
        Load: new LoadShape("concurrency", Concurrency: 16), MaxRequests: requests, Dataset: dataset, Tokenizer: tokenizer, Api: api);

    [Fact]
    public async Task Random_prompts_are_exactly_the_requested_length_by_the_servers_own_count()
    {
        // Llama 3 as vLLM serves it: its begin-of-text token is in usage.prompt_tokens, and so in the length asked for.
        await using var sim = await SimAsync(await RealTokenizers.Llama3WithBosAsync());
        var (outcome, summary, prompts) = await RunAsync(sim, Spec("random:input=1024,output=128,count=200"));

        Assert.Equal("server:/tokenize", summary.TokenCounter);
        Assert.Null(summary.TokenizerNote);
        var ok = outcome.Records.Where(r => r.Ok).ToList();
        Assert.Equal(120, ok.Count);
        var exact = ok.Count(r => r.ServerInputTokens == 1024);
        Assert.True(exact >= 0.99 * ok.Count, $"{exact} of {ok.Count} prompts were 1024 tokens by the server's count");
        Assert.All(ok, r => Assert.InRange(r.ServerInputTokens, 1023, 1025));
        Assert.All(ok, r => Assert.Equal(128, r.ServerOutputTokens));
        Assert.Equal(120L * 128, summary.Overall.Tokens.Output);
        Assert.All(prompts.Items, i => Assert.Equal(1024, i.InputTokens));
        // A probe, a few calls to find the words and one per distinct length: nothing like one per prompt.
        Assert.InRange(sim.Server.TokenizeCalls, 3, 8);
    }

    [Fact]
    public async Task A_server_without_token_strings_is_asked_by_group_testing_with_the_same_exact_lengths()
    {
        // vLLM 0.6 ignores return_token_strs: single-token words are then found by counting groups of candidates.
        await using var sim = await SimAsync(await RealTokenizers.Llama3WithBosAsync(), tokenStrs: false);
        var (outcome, summary, _) = await RunAsync(sim, Spec("random:input=700,output=8,count=40", requests: 40));

        Assert.Equal("server:/tokenize", summary.TokenCounter);
        Assert.All(outcome.Records.Where(r => r.Ok), r => Assert.Equal(700, r.ServerInputTokens));
        Assert.InRange(sim.Server.TokenizeCalls, 3, 320);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_sentencepiece_model_gives_exact_lengths_by_the_server_and_from_the_file(bool serveTokenize)
    {
        // Llama 2 / Mistral style: the dummy prefix makes a prompt's leading space a token, and BOS is added.
        var model = await RealTokenizers.SentencePieceAsync();
        await using var sim = await SimAsync(model, serveTokenize: serveTokenize);
        var (outcome, summary, _) = await RunAsync(sim, Spec("random:input=300-310,output=8,count=60", requests: 60, tokenizer: model));

        Assert.Equal(serveTokenize ? "server:/tokenize" : $"file:{Aibench.Shared.Tokenizers.TokenizerFile.Load(model).Sha256}", summary.TokenCounter);
        var ok = outcome.Records.Where(r => r.Ok).ToList();
        Assert.Equal(60, ok.Count);
        Assert.All(ok, r => Assert.InRange(r.ServerInputTokens, 300, 310));
        Assert.All(ok, r => Assert.Equal(r.InputTokens, r.ServerInputTokens));
    }

    [Fact]
    public async Task Distinct_lengths_cost_one_tokenize_call_each_not_one_per_prompt()
    {
        await using var sim = await SimAsync(await RealTokenizers.Qwen3Async());
        using var http = RequestSender.CreateHttpClient();
        var (tokenizer, _) = await PromptTokenizers.ResolveAsync(null, sim.Url, "sim-model", http, Ct);
        await tokenizer.WordsAsync(Ct);
        var before = sim.Server.TokenizeCalls;
        var prompts = await DatasetLoader.LoadAsync("random:input=300-309,output=8,count=500", "completions", 1, tokenizer, Ct);

        Assert.InRange(sim.Server.TokenizeCalls - before, 1, 10);
        foreach (var item in prompts.Items.Take(40))
        {
            Assert.Equal(item.InputTokens, await tokenizer.CountAsync(item.Prompt!, specials: true, Ct));
        }
    }

    [Fact]
    public async Task The_tokenizer_file_counts_when_the_server_has_no_tokenize_and_the_result_names_its_hash()
    {
        var path = await RealTokenizers.Llama3WithBosAsync();
        await using var sim = await SimAsync(path, serveTokenize: false);
        var (outcome, summary, _) = await RunAsync(sim, Spec("random:input=500,output=16,count=50", requests: 40, tokenizer: path));

        Assert.Equal($"file:{Aibench.Shared.Tokenizers.TokenizerFile.Load(path).Sha256}", summary.TokenCounter);
        Assert.Contains("no server tokenizer", summary.TokenizerNote, StringComparison.Ordinal);
        Assert.All(outcome.Records.Where(r => r.Ok), r => Assert.Equal(500, r.ServerInputTokens));
    }

    [Fact]
    public async Task O200k_is_the_last_resort_and_the_result_says_so()
    {
        await using var sim = await SimAsync(await RealTokenizers.Qwen3Async(), serveTokenize: false);
        var (outcome, summary, _) = await RunAsync(sim, Spec("random:input=400,output=8,count=30", requests: 30));

        Assert.Equal("o200k", summary.TokenCounter);
        Assert.Contains("token counts are o200k's, not the served model's", summary.TokenizerNote, StringComparison.Ordinal);
        // Qwen counts o200k-built prompts differently: the run shows the mismatch instead of hiding it.
        Assert.Contains(outcome.Records, r => r.Ok && r.ServerInputTokens != 400);
        Assert.NotNull(summary.Overall.Tokens.InputMismatchPercent);
    }

    [Fact]
    public async Task Chat_content_is_the_requested_length_and_dataset_files_are_counted_by_the_server()
    {
        await using var sim = await SimAsync(await RealTokenizers.Qwen3Async());
        using var http = RequestSender.CreateHttpClient();
        var (tokenizer, _) = await PromptTokenizers.ResolveAsync(null, sim.Url, "sim-model", http, Ct);

        var chat = await DatasetLoader.LoadAsync("random:input=64,output=8,count=5", "chat", 1, tokenizer, Ct);
        foreach (var item in chat.Items)
        {
            Assert.Equal(64, await tokenizer.CountAsync(item.Messages![0].Content, specials: false, Ct));
        }

        var file = Path.Combine(Directory.CreateTempSubdirectory("aibench-test-jsonl-").FullName, "p.jsonl");
        await File.WriteAllTextAsync(file, "{\"prompt\": \"你好，世界。 Hello there, naïve café!\", \"max_tokens\": 5}\n", Ct);
        var jsonl = await DatasetLoader.LoadAsync("jsonl:" + file, "completions", 1, tokenizer, Ct);
        Assert.Equal("server:/tokenize", jsonl.Tokenizer);
        var expected = Aibench.Shared.Tokenizers.TokenizerFile.Load(await RealTokenizers.Qwen3Async()).Count("你好，世界。 Hello there, naïve café!");
        Assert.Equal(expected, jsonl.Items[0].InputTokens);
    }

    [Fact]
    public async Task Prompts_that_can_never_fit_max_model_len_are_refused_before_anything_is_sent()
    {
        await using var sim = await SimAsync(await RealTokenizers.Qwen3Async(), maxModelLen: 1024);
        using var http = RequestSender.CreateHttpClient();
        var (tokenizer, _) = await PromptTokenizers.ResolveAsync(null, sim.Url, "sim-model", http, Ct);
        Assert.Equal(1024, tokenizer.MaxModelLen);
        var prompts = await DatasetLoader.LoadAsync("random:input=900-1000,output=100,count=20", "completions", 1, tokenizer, Ct);

        var message = DatasetLoader.CheckFits(prompts, tokenizer.MaxModelLen);
        Assert.NotNull(message);
        Assert.StartsWith("dataset: ", message, StringComparison.Ordinal);
        Assert.Contains("max_model_len of 1,024", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_model_the_server_does_not_know_is_an_error_on_model_not_a_fallback()
    {
        await using var sim = await SimAsync(await RealTokenizers.Qwen3Async());
        using var http = RequestSender.CreateHttpClient();
        var e = await Assert.ThrowsAsync<TokenizerException>(() => PromptTokenizers.ResolveAsync(null, sim.Url, "other-model", http, Ct));
        Assert.Equal("model", e.Field);
        Assert.Contains("does not know model 'other-model'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_simulator_tokenizes_and_detokenizes_as_vllm_does()
    {
        await using var sim = await SimAsync(await RealTokenizers.Llama3WithBosAsync());
        async Task<JsonElement> Post(string path, object body, HttpStatusCode status = HttpStatusCode.OK)
        {
            var response = await sim.Http.PostAsJsonAsync(new Uri(sim.Url, path), body, Ct);
            Assert.Equal(status, response.StatusCode);
            return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        }

        var with = await Post("/tokenize", new { model = "sim-model", prompt = "Hello world" });
        Assert.Equal(3, with.GetProperty("count").GetInt32());
        Assert.Equal(8192, with.GetProperty("max_model_len").GetInt32());
        var without = await Post("/tokenize", new { prompt = "Hello world", add_special_tokens = false, return_token_strs = true });
        Assert.Equal([9906, 1917], without.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()));
        Assert.Equal(["Hello", "\u0120world"], without.GetProperty("token_strs").EnumerateArray().Select(t => t.GetString()));
        var text = await Post("/detokenize", new { model = "sim-model", tokens = new[] { 128000, 9906, 1917 } });
        Assert.Equal("<|begin_of_text|>Hello world", text.GetProperty("prompt").GetString());
        var unknown = await Post("/tokenize", new { model = "nope", prompt = "x" }, HttpStatusCode.NotFound);
        Assert.Equal("model", unknown.GetProperty("param").GetString());
        // usage.prompt_tokens of a completion counts the special token too, as vLLM's does.
        var completion = await Post("/v1/completions", new { model = "sim-model", prompt = "Hello world", max_tokens = 2 });
        Assert.Equal(3, completion.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }
}
