using Microsoft.ML.Tokenizers;

namespace Aibench.Simulator;

/// <summary>
/// Real token counts (o200k, the GPT-4o vocabulary, shipped in a package so nothing is downloaded) and a
/// deterministic stream of generated tokens: the same seed and prompt give the same text.
/// </summary>
internal sealed class SimTokenizer
{
    private const string Corpus =
        "The cluster scheduler placed the inference service on four nodes, each with four accelerators. " +
        "Requests arrived in bursts, and the engine batched them together so that every decoding step served many sequences at once. " +
        "When the key value cache filled up, the newest sequence was preempted and recomputed later. " +
        "Throughput rose with the batch size until memory bandwidth became the limit, while latency for each token grew slowly. ";

    private readonly Tokenizer _tokenizer = TiktokenTokenizer.CreateForModel("gpt-4o");
    private readonly int[] _corpus;
    private readonly string[] _pieces;

    public SimTokenizer()
    {
        _corpus = [.. _tokenizer.EncodeToIds(Corpus)];
        _pieces = [.. _corpus.Select(id => _tokenizer.Decode([id]))];
    }

    public int Count(string text) => text.Length == 0 ? 0 : _tokenizer.CountTokens(text);

    public IReadOnlyList<int> Encode(string text) => _tokenizer.EncodeToIds(text);

    /// <summary>Where in the corpus a request's output starts: a function of the seed and the prompt only.</summary>
    public int Offset(int seed, string prompt)
    {
        var hash = seed;
        foreach (var c in prompt) hash = unchecked(hash * 31 + c);
        return (int)((uint)hash % (uint)_corpus.Length);
    }

    public string Piece(int offset, int index) => _pieces[(offset + index) % _pieces.Length];
}
