using Aibench.Shared.Tokenizers;
using Microsoft.ML.Tokenizers;

namespace Aibench.Simulator;

/// <summary>
/// Real token counts and a deterministic stream of generated tokens: the same seed and prompt give the same text.
/// The tokenizer is o200k (the GPT-4o vocabulary, shipped in a package so nothing is downloaded) or, with
/// <c>--tokenizer</c>, a served model's own <c>tokenizer.json</c>, counted as vLLM counts with it: a completions
/// prompt gets the special tokens its post-processor adds (Llama 3's begin-of-text).
/// </summary>
internal sealed class SimTokenizer
{
    private const string Corpus =
        "The cluster scheduler placed the inference service on four nodes, each with four accelerators. " +
        "Requests arrived in bursts, and the engine batched them together so that every decoding step served many sequences at once. " +
        "When the key value cache filled up, the newest sequence was preempted and recomputed later. " +
        "Throughput rose with the batch size until memory bandwidth became the limit, while latency for each token grew slowly. ";

    private readonly Tokenizer _tokenizer;
    private readonly TokenizerFile? _file;
    private readonly int[] _corpus;
    private readonly string[] _pieces;

    public SimTokenizer(TokenizerFile? file = null)
    {
        _file = file;
        _tokenizer = file?.Tokenizer ?? TiktokenTokenizer.CreateForModel("gpt-4o");
        _corpus = [.. Encode(Corpus)];
        _pieces = [.. _corpus.Select(id => _tokenizer.Decode([id]) ?? "")];
    }

    /// <summary>Special tokens added to a prompt when <c>add_special_tokens</c> is true (none for o200k).</summary>
    public int Specials => _file?.SpecialTokensAdded ?? 0;

    /// <summary>The tokens of the text alone.</summary>
    public int Count(string text) => _file?.Count(text) ?? (text.Length == 0 ? 0 : _tokenizer.CountTokens(text));

    /// <summary>What vLLM reports as a completions prompt's <c>prompt_tokens</c>: the text and the special tokens added to it.</summary>
    public int CountPrompt(string text) => Count(text) + Specials;

    public IReadOnlyList<int> Encode(string text) => _file?.Encode(text) ?? (text.Length == 0 ? [] : _tokenizer.EncodeToIds(text));

    /// <summary>A token as the vocabulary writes it: the file's byte-level form, or o200k's decoded text.</summary>
    public string? TokenString(int id) => _file is not null ? _file.TokenString(id) : Decode([id]);

    /// <summary>Token ids back to text, special tokens written as themselves; null when an id is not in the vocabulary.</summary>
    public string? Decode(IReadOnlyList<int> ids)
    {
        var text = new System.Text.StringBuilder();
        var run = new List<int>();
        try
        {
            foreach (var id in ids)
            {
                if (_file is not null && _file.AddedTokens.TryGetValue(id, out var special))
                {
                    text.Append(_tokenizer.Decode(run)).Append(special);
                    run.Clear();
                }
                else if (id < 0 || (_file is not null && id >= _file.VocabSize + _file.AddedTokens.Count))
                {
                    return null;
                }
                else
                {
                    run.Add(id);
                }
            }

            return text.Append(_tokenizer.Decode(run)).ToString();
        }
        catch (Exception e) when (e is ArgumentException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Where in the corpus a request's output starts: a function of the seed and the prompt only.</summary>
    public int Offset(int seed, string prompt)
    {
        var hash = seed;
        foreach (var c in prompt) hash = unchecked(hash * 31 + c);
        return (int)((uint)hash % (uint)_corpus.Length);
    }

    public string Piece(int offset, int index) => _pieces[(offset + index) % _pieces.Length];
}
