using System.Buffers;

namespace Aibench.Client.LoadGen.Tokenizers;

/// <summary>
/// Counts prompt tokens the way the served model does, so that <c>random:input=1024</c> means 1,024 tokens of that
/// model. Three kinds, in the order they are chosen (<see cref="PromptTokenizers"/>): the server's own
/// <c>/tokenize</c>, a <c>tokenizer.json</c> file, and o200k as the last resort. docs/loadgen.md explains the choice.
/// </summary>
internal abstract class PromptTokenizer
{
    private static readonly SearchValues<char> AsciiLetters =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");

    /// <summary>What a result records: <c>server:/tokenize</c>, <c>file:&lt;sha256&gt;</c> or <c>o200k</c>.</summary>
    public abstract string Source { get; }

    /// <summary>Special tokens the server adds to a completions prompt (Llama 3's begin-of-text); chat content gets none.</summary>
    public abstract int SpecialTokens { get; }

    /// <summary>
    /// Tokens a prompt of single-token words costs beyond one per word: 0 for byte-level BPE, 1 for SentencePiece, whose
    /// dummy prefix turns the first word's leading space into a token of its own. Known once the words are.
    /// </summary>
    public virtual int LeadingTokens => 0;

    /// <summary>The server's longest prompt + completion, when it said (only <c>/tokenize</c> does).</summary>
    public virtual int? MaxModelLen => null;

    /// <summary>True when counts come from the server itself: then a few remote calls replace local counting.</summary>
    public virtual bool Remote => false;

    /// <summary>Counts locally: exact for the file and o200k kinds, an estimate (o200k) for the server kind.</summary>
    public abstract int CountLocal(string text);

    /// <summary>Counts as the server would, for a completions prompt (<paramref name="specials"/>) or chat content.</summary>
    public virtual ValueTask<int> CountAsync(string text, bool specials, CancellationToken ct) =>
        ValueTask.FromResult(CountLocal(text) + (specials ? SpecialTokens : 0));

    /// <summary>
    /// Words that are one token each: a space and ASCII letters. The pre-tokenizers of the supported families split
    /// text at each such space, so a run of them is exactly as many tokens as words.
    /// </summary>
    public abstract ValueTask<string[]> WordsAsync(CancellationToken ct);

    /// <summary>The plain-word tokens of a local vocabulary: those that decode to " letters" and encode back to themselves alone.</summary>
    protected static string[] FindWords(Microsoft.ML.Tokenizers.Tokenizer tokenizer, int vocabSize, string source)
    {
        var words = new List<string>();
        for (var id = 0; id < vocabSize; id++)
        {
            string? text;
            try
            {
                text = tokenizer.Decode([id]);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or KeyNotFoundException)
            {
                continue;
            }

            if (text is not { Length: >= 2 } || text[0] != ' ' || text.AsSpan(1).ContainsAnyExcept(AsciiLetters))
            {
                continue;
            }

            var ids = tokenizer.EncodeToIds(text);
            if (ids.Count == 1 && ids[0] == id)
            {
                words.Add(text);
            }
        }

        return words.Count > 1000
            ? [.. words]
            : throw new InvalidOperationException($"The tokenizer ({source}) has only {words.Count} plain word tokens; random prompts need more.");
    }
}
