using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Aibench.Shared.Tokenizers;

/// <summary>
/// A served model's own tokenizer, read from the Hugging Face <c>tokenizer.json</c> in its weights folder, so token
/// counts match the server's without asking it. Used by the load generator (when the server has no <c>/tokenize</c>)
/// and by the simulator (<c>aibench sim --tokenizer</c>), so both count alike.
/// </summary>
/// <remarks>
/// Byte-level BPE files (Llama 3, Qwen 2/3, Mistral's newer tokenizers, GPT-2 family) are supported. They are turned into
/// a tiktoken-style tokenizer of Microsoft.ML.Tokenizers: a token's id is its merge rank. That is exact when the ids grow
/// in the order of the merges that make them, which is true of these families (tiktoken-derived vocabularies) and is
/// checked on load; a file where it does not hold is refused rather than counted wrongly. A SentencePiece
/// <c>tokenizer.model</c> (Llama 2, Mistral v1/v2, BPE models) is read by Microsoft.ML.Tokenizers' own SentencePiece
/// reader; its beginning-of-sentence token counts as the special token a server adds (as Hugging Face's LlamaTokenizer).
/// </remarks>
public sealed class TokenizerFile
{
    private readonly Tokenizer _tokenizer;
    private readonly bool _nfc;

    private readonly Dictionary<int, string> _raw;

    private TokenizerFile(Tokenizer tokenizer, bool nfc, int specialsAdded, string sha256, int vocabSize, IReadOnlyDictionary<int, string> added,
        Dictionary<int, string> raw)
    {
        _raw = raw;
        _tokenizer = tokenizer;
        _nfc = nfc;
        SpecialTokensAdded = specialsAdded;
        Sha256 = sha256;
        VocabSize = vocabSize;
        AddedTokens = added;
    }

    /// <summary>Special tokens the post-processor puts around a single prompt (e.g. 1 for Llama 3's begin-of-text).</summary>
    public int SpecialTokensAdded { get; }

    /// <summary>SHA-256 of the file, lower-case hex: what a result records as <c>file:&lt;sha256&gt;</c>.</summary>
    public string Sha256 { get; }

    /// <summary>Ordinary tokens (ids below this are plain vocabulary).</summary>
    public int VocabSize { get; }

    /// <summary>Added (special) tokens by id.</summary>
    public IReadOnlyDictionary<int, string> AddedTokens { get; }

    /// <summary>The underlying tokenizer (no special tokens added, no normalisation applied).</summary>
    public Tokenizer Tokenizer => _tokenizer;

    /// <summary>Tokens of <paramref name="text"/> as the server counts a completions prompt: with the special tokens its post-processor
    /// adds.</summary>
    public int CountWithSpecials(string text) => Count(text) + SpecialTokensAdded;

    /// <summary>Tokens of the text alone.</summary>
    public int Count(string text) => text.Length == 0 ? 0 : _tokenizer.CountTokens(Normalize(text));

    public IReadOnlyList<int> Encode(string text) => text.Length == 0 ? [] : _tokenizer.EncodeToIds(Normalize(text));

    public string Decode(IEnumerable<int> ids) => _tokenizer.Decode(ids) ?? "";

    /// <summary>
    /// SentencePiece only: the vocabulary's whole-word pieces (<c>▁word</c>, ASCII letters) as " word", each checked to
    /// encode to itself alone; null for byte-level files, whose words are found by decoding ids.
    /// </summary>
    public string[]? PieceWords()
    {
        if (_tokenizer is not SentencePieceTokenizer sp)
        {
            return null;
        }

        return [.. sp.Vocabulary
            .Where(e => e.Key.Length >= 2 && e.Key[0] == '\u2581' && e.Key.Skip(1).All(char.IsAsciiLetter))
            .OrderBy(e => e.Value)
            .Where(e => sp.EncodeToIds(e.Key[1..]) is [var only] && only == e.Value)
            .Select(e => " " + e.Key[1..])];
    }

    /// <summary>A token as the vocabulary writes it (byte-level form, e.g. <c>Ġworld</c>), as vLLM's <c>token_strs</c> give it.</summary>
    public string? TokenString(int id) => _raw.TryGetValue(id, out var raw) ? raw : AddedTokens.GetValueOrDefault(id);

    private string Normalize(string text) => _nfc && !text.IsNormalized(NormalizationForm.FormC) ? text.Normalize(NormalizationForm.FormC) : text;

    /// <summary>Loads and checks a <c>tokenizer.json</c>; every problem is a <see cref="TokenizerFileException"/> naming the file.</summary>
    public static TokenizerFile Load(string path)
    {
        if (Directory.Exists(path))
        {
            var inside = Path.Combine(path, "tokenizer.json");
            if (!File.Exists(inside))
            {
                throw new TokenizerFileException($"{path}: a folder without tokenizer.json");
            }

            path = inside;
        }

        if (!File.Exists(path))
        {
            throw new TokenizerFileException($"{path}: no such file");
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TokenizerFileException($"{path}: cannot be read ({e.Message})");
        }

        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (path.EndsWith(".model", StringComparison.OrdinalIgnoreCase))
        {
            return SentencePiece(path, bytes, sha256);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            throw new TokenizerFileException($"{path}: not JSON (line {e.LineNumber + 1}: {e.Message})");
        }

        using (document)
        {
            return Build(path, document.RootElement, sha256);
        }
    }

    private static TokenizerFile Build(string path, JsonElement root, string sha256)
    {
        TokenizerFileException Bad(string what) => new($"{path}: {what}");

        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
        {
            throw Bad("not a Hugging Face tokenizer.json (no 'model' object)");
        }

        var type = model.TryGetProperty("type", out var t) ? t.GetString() : null;
        if (type != "BPE")
        {
            throw Bad($"model.type is '{type}'; only byte-level BPE tokenizers (Llama 3, Qwen, Mistral, GPT-2 families) are read");
        }

        if (!IsByteLevel(root))
        {
            throw Bad("not a byte-level BPE (no ByteLevel pre-tokenizer or decoder); SentencePiece-style BPE is not read");
        }

        if (!model.TryGetProperty("vocab", out var vocabJson) || vocabJson.ValueKind != JsonValueKind.Object)
        {
            throw Bad("model.vocab is missing");
        }

        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in vocabJson.EnumerateObject())
        {
            if (!entry.Value.TryGetInt32(out var id) || id < 0)
            {
                throw Bad($"model.vocab['{entry.Name}'] is not a token id");
            }

            vocab[entry.Name] = id;
        }

        CheckMergeOrder(model, vocab, Bad);

        var added = new Dictionary<int, string>();
        var specials = new Dictionary<string, int>(StringComparer.Ordinal);
        if (root.TryGetProperty("added_tokens", out var addedJson) && addedJson.ValueKind == JsonValueKind.Array)
        {
            foreach (var token in addedJson.EnumerateArray())
            {
                if (token.TryGetProperty("id", out var idJson) && idJson.TryGetInt32(out var id) && token.TryGetProperty("content", out var c)
                    && c.GetString() is { Length: > 0 } content)
                {
                    added[id] = content;
                    specials[content] = id;
                    vocab.Remove(content);
                }
            }
        }

        var pattern = SplitPattern(root) ?? throw Bad("no Split pre-tokenizer with a regex; cannot split text as the model does");
        Regex regex;
        try
        {
            regex = new Regex(pattern, RegexOptions.Compiled, TimeSpan.FromSeconds(5));
        }
        catch (ArgumentException e)
        {
            throw Bad($"the pre-tokenizer's regex does not compile ({e.Message})");
        }

        // tiktoken's file format: the token's bytes in base64 and its rank, one per line.
        var decode = ByteDecoder();
        var ranks = new StringBuilder(vocab.Count * 16);
        foreach (var (text, id) in vocab.OrderBy(e => e.Value))
        {
            var tokenBytes = new byte[text.Length];
            for (var i = 0; i < text.Length; i++)
            {
                if (!decode.TryGetValue(text[i], out tokenBytes[i]))
                {
                    throw Bad($"token {id} '{text}' is not in byte-level form");
                }
            }

            ranks.Append(Convert.ToBase64String(tokenBytes)).Append(' ').Append(id).Append('\n');
        }

        Tokenizer tokenizer;
        try
        {
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(ranks.ToString()));
            tokenizer = TiktokenTokenizer.Create(stream, new RegexPreTokenizer(regex, specials), normalizer: null, specials);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
            throw Bad($"cannot be built into a tokenizer ({e.Message})");
        }

        var nfc = root.TryGetProperty("normalizer", out var normalizer) && normalizer.ValueKind == JsonValueKind.Object
            && normalizer.TryGetProperty("type", out var nt) && nt.GetString() == "NFC";
        return new TokenizerFile(tokenizer, nfc, SpecialsAdded(root), sha256, vocab.Count, added, vocab.ToDictionary(e => e.Value, e => e.Key));
    }

    private static TokenizerFile SentencePiece(string path, byte[] bytes, string sha256)
    {
        SentencePieceTokenizer tokenizer;
        try
        {
            using var stream = new MemoryStream(bytes);
            // Counted without BOS/EOS; the BOS a server adds is SpecialTokensAdded.
            tokenizer = SentencePieceTokenizer.Create(stream, false, false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Protobuf, format and unsupported-model errors alike: the file is not a model this reader can use.
            throw new TokenizerFileException($"{path}: not a SentencePiece BPE model ({e.Message})");
        }

        var added = new Dictionary<int, string>();
        foreach (var (id, token) in new[] { (tokenizer.BeginningOfSentenceId, tokenizer.BeginningOfSentenceToken),
            (tokenizer.EndOfSentenceId, tokenizer.EndOfSentenceToken) })
        {
            if (id >= 0 && !string.IsNullOrEmpty(token)) added[id] = token;
        }

        var raw = tokenizer.Vocabulary.ToDictionary(e => e.Value, e => e.Key);
        return new TokenizerFile(tokenizer, nfc: false, tokenizer.BeginningOfSentenceId >= 0 ? 1 : 0, sha256, raw.Count, added, raw);
    }

    /// <summary>Refuses files whose merge order disagrees with id order, where rank-by-id would count differently.</summary>
    private static void CheckMergeOrder(JsonElement model, Dictionary<string, int> vocab, Func<string, TokenizerFileException> bad)
    {
        if (!model.TryGetProperty("merges", out var merges) || merges.ValueKind != JsonValueKind.Array)
        {
            throw bad("model.merges is missing");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var highest = -1;
        var index = 0;
        foreach (var merge in merges.EnumerateArray())
        {
            string? a = null, b = null;
            if (merge.ValueKind == JsonValueKind.String && merge.GetString() is { } line && line.IndexOf(' ', StringComparison.Ordinal) is var space
                and > 0)
            {
                (a, b) = (line[..space], line[(space + 1)..]);
            }
            else if (merge.ValueKind == JsonValueKind.Array && merge.GetArrayLength() == 2)
            {
                (a, b) = (merge[0].GetString(), merge[1].GetString());
            }

            if (a is null || b is null)
            {
                throw bad($"model.merges[{index}] is neither \"a b\" nor [\"a\", \"b\"]");
            }

            var joined = a + b;
            if (vocab.TryGetValue(joined, out var id) && seen.Add(joined))
            {
                if (id < highest)
                {
                    throw bad($"model.merges[{index}] makes token {id} after token {highest}: its merge order differs from its id order, which this "
                        + $"reader cannot count exactly");
                }

                highest = id;
            }

            index++;
        }
    }

    private static bool IsByteLevel(JsonElement root)
    {
        static bool Has(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.Object => (e.TryGetProperty("type", out var t) && t.GetString() == "ByteLevel")
                || e.EnumerateObject().Any(p => p.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array && Has(p.Value)),
            JsonValueKind.Array => e.EnumerateArray().Any(Has),
            _ => false,
        };

        return (root.TryGetProperty("pre_tokenizer", out var pre) && Has(pre)) || (root.TryGetProperty("decoder", out var dec) && Has(dec));
    }

    private static string? SplitPattern(JsonElement root)
    {
        static string? Find(JsonElement e)
        {
            if (e.ValueKind == JsonValueKind.Array)
            {
                return e.EnumerateArray().Select(Find).FirstOrDefault(p => p is not null);
            }

            if (e.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            if (e.TryGetProperty("type", out var t) && t.GetString() == "Split" && e.TryGetProperty("pattern", out var p)
                && p.TryGetProperty("Regex", out var regex))
            {
                return regex.GetString();
            }

            return e.TryGetProperty("pretokenizers", out var list) ? Find(list) : null;
        }

        return root.TryGetProperty("pre_tokenizer", out var pre) ? Find(pre) : null;
    }

    /// <summary>Special tokens of a <c>TemplateProcessing</c> post-processor's single-sequence template (Llama 3's BOS).</summary>
    private static int SpecialsAdded(JsonElement root)
    {
        static int Count(JsonElement e)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty("type", out var t))
            {
                return 0;
            }

            return t.GetString() switch
            {
                "TemplateProcessing" when e.TryGetProperty("single", out var single) && single.ValueKind == JsonValueKind.Array =>
                    single.EnumerateArray().Count(p => p.ValueKind == JsonValueKind.Object && p.TryGetProperty("SpecialToken", out _)),
                "Sequence" when e.TryGetProperty("processors", out var list) && list.ValueKind == JsonValueKind.Array =>
                    list.EnumerateArray().Sum(Count),
                _ => 0,
            };
        }

        return root.TryGetProperty("post_processor", out var post) ? Count(post) : 0;
    }

    /// <summary>GPT-2's byte-to-unicode table, inverted: the printable stand-in of each byte back to the byte.</summary>
    private static Dictionary<char, byte> ByteDecoder()
    {
        var map = new Dictionary<char, byte>(256);
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            map[(char)(printable ? b : next++)] = (byte)b;
        }

        return map;
    }
}

/// <summary>A tokenizer file that cannot be used; the message names the file and what is wrong.</summary>
public sealed class TokenizerFileException(string message) : Exception(message);
