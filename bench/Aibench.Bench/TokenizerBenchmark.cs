using System.Diagnostics;
using Aibench.Client.LoadGen;
using Aibench.Client.LoadGen.Datasets;
using Aibench.Client.LoadGen.Tokenizers;
using Aibench.Simulator;

namespace Aibench.Bench;

/// <summary>
/// What counting in the served model's tokenizer costs when building random prompts, per distinct prompt length:
/// the server's /tokenize (calls and seconds, against the simulator serving the same tokenizer.json) and the file
/// path, each against the o200k path of the same run as the reference. One-time costs (loading the file, finding the
/// single-token words) are reported apart from the per-length cost.
/// </summary>
internal static class TokenizerBenchmark
{
    public static async Task<int> RunAsync(string tokenizerPath, int[] distinctLengths, int count, int input)
    {
        var sim = new SimServer(new SimOptions { Port = 0, Ttft = TimeSpan.FromMilliseconds(1), Itl = TimeSpan.FromMilliseconds(1),
            TokenizerPath = tokenizerPath, MaxModelLen = 32_768, KvCacheTokens = 140_000 });
        await using var app = sim.Build();
        await app.StartAsync();
        var url = new Uri(SimServer.Address(app));
        using var http = RequestSender.CreateHttpClient();

        var watch = Stopwatch.StartNew();
        var file = PromptTokenizers.LoadFile(tokenizerPath);
        await file.WordsAsync(CancellationToken.None);
        var fileSetup = watch.Elapsed.TotalSeconds;
        watch.Restart();
        var (server, _) = await PromptTokenizers.ResolveAsync(null, url, "sim-model", http, CancellationToken.None);
        await server.WordsAsync(CancellationToken.None);
        var serverSetup = watch.Elapsed.TotalSeconds;
        var setupCalls = sim.TokenizeCalls;
        await O200kTokenizer.Instance.WordsAsync(CancellationToken.None);

        Console.WriteLine($"random prompts of about {input} tokens, {count} per run; tokenizer {tokenizerPath}");
        Console.WriteLine($"one-time: file load + word search {fileSetup:0.00} s; server probe + word search {serverSetup:0.00} s, {setupCalls} "
            + $"/tokenize calls");
        Console.WriteLine("distinct lengths | o200k s (reference) | file s | file / o200k | server s | server / o200k | server calls | "
            + "calls per length");
        foreach (var distinct in distinctLengths)
        {
            var spec = distinct == 1 ? $"random:input={input},output=8,count={count}"
                : $"random:input={input}-{input + distinct - 1},output=8,count={count}";
            var reference = await TimeAsync(spec, O200kTokenizer.Instance);
            var fileSeconds = await TimeAsync(spec, file);
            var before = sim.TokenizeCalls;
            var serverSeconds = await TimeAsync(spec, server);
            var calls = sim.TokenizeCalls - before;
            var lengths = Math.Min(distinct, count);
            Console.WriteLine($"{distinct} | {reference:0.000} | {fileSeconds:0.000} | {fileSeconds / reference:0.00} | {serverSeconds:0.000} | "
                + $"{serverSeconds / reference:0.00} | {calls} | {calls / (double)lengths:0.00}");
        }

        return 0;
    }

    private static async Task<double> TimeAsync(string spec, PromptTokenizer tokenizer)
    {
        var watch = Stopwatch.StartNew();
        var prompts = await DatasetLoader.LoadAsync(spec, "completions", 7, tokenizer);
        if (prompts.Count == 0) throw new InvalidOperationException("no prompts");
        return watch.Elapsed.TotalSeconds;
    }
}
