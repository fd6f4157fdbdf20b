using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Aibench.Client.LoadGen.Tokenizers;

/// <summary>
/// The served model's own tokenizer, through vLLM's <c>POST /tokenize</c> (<c>{"model", "prompt", "add_special_tokens"}</c>
/// → <c>{"count", "tokens", "max_model_len"}</c>). Calls are few: one probe, a few dozen to find single-token words
/// (cached per server and model), then one per distinct prompt length to check a built prompt.
/// </summary>
internal sealed class ServerTokenizer : PromptTokenizer
{
    /// <summary>Words tried per call while looking for single-token words; a failed group is halved down to <see cref="MinGroup"/>.</summary>
    private const int Group = 32;
    private const int MinGroup = 4;
    private const int WantedWords = 4096;
    private const int MaxCalls = 300;

    /// <summary>Candidates sent in one call when the server names its tokens (<c>return_token_strs</c>).</summary>
    private const int NamedBatch = 2048;

    private static readonly ConcurrentDictionary<(Uri Url, string Model), Task<(string[] Words, int Leading)>> Pools = new();

    private int _leading;

    private readonly HttpClient _http;
    private readonly Uri _url;
    private readonly string _model;
    private readonly int _specials;
    private readonly int _maxModelLen;

    private ServerTokenizer(HttpClient http, Uri url, string model, int specials, int maxModelLen)
    {
        (_http, _url, _model, _specials, _maxModelLen) = (http, url, model, specials, maxModelLen);
    }

    public override string Source => "server:/tokenize";

    public override int SpecialTokens => _specials;

    public override int? MaxModelLen => _maxModelLen > 0 ? _maxModelLen : null;

    public override bool Remote => true;

    public override int LeadingTokens => _leading;

    /// <summary>Filters (e.g. ShareGPT's length bounds) run on o200k; the counts kept are then asked of the server.</summary>
    public override int CountLocal(string text) => TokenCounter.Shared.Count(text);

    public override async ValueTask<int> CountAsync(string text, bool specials, CancellationToken ct) =>
        (await TokenizeAsync(text, specials, ct)).Count;

    public override async ValueTask<string[]> WordsAsync(CancellationToken ct)
    {
        var task = Pools.GetOrAdd((_url, _model), _ => FindServerWordsAsync(CancellationToken.None));
        try
        {
            var (words, leading) = await task.WaitAsync(ct);
            _leading = leading;
            return words;
        }
        catch (Exception) when (task.IsFaulted)
        {
            Pools.TryRemove(new KeyValuePair<(Uri, string), Task<(string[], int)>>((_url, _model), task));
            throw;
        }
    }

    /// <summary>
    /// Asks the endpoint whether it tokenizes for <paramref name="model"/>. Null with the reason when it has no
    /// <c>/tokenize</c> (or cannot be reached); a <see cref="TokenizerException"/> when the server does not know the model.
    /// </summary>
    public static async Task<(ServerTokenizer? Tokenizer, string? Reason)> ProbeAsync(HttpClient http, Uri endpoint, string model,
        CancellationToken ct)
    {
        var url = new Uri(endpoint, "tokenize");
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            using var response = await http.PostAsJsonAsync(url, new { model, prompt = "", add_special_tokens = true }, timeout.Token);
            var body = await response.Content.ReadAsStringAsync(timeout.Token);
            if (response.IsSuccessStatusCode)
            {
                using var document = JsonDocument.Parse(body);
                var json = document.RootElement;
                if (json.TryGetProperty("count", out var count) && count.TryGetInt32(out var specials))
                {
                    var max = json.TryGetProperty("max_model_len", out var m) && m.TryGetInt32(out var mm) ? mm : 0;
                    return (new ServerTokenizer(http, url, model, specials, max), null);
                }

                return (null, $"POST {url} answered without a count");
            }

            if (UnknownModel(response.StatusCode, body) is { } message)
            {
                throw new TokenizerException("model", $"model: the server at {endpoint} does not know model '{model}' ({message})");
            }

            return (null, $"POST {url} answered {(int)response.StatusCode}");
        }
        catch (Exception e) when (e is HttpRequestException or JsonException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return (null, $"POST {url} failed ({e.Message})");
        }
    }

    /// <summary>vLLM's answer for a model it does not serve: an error object naming the model (404 NotFoundError).</summary>
    private static string? UnknownModel(HttpStatusCode status, string body)
    {
        if (status is not (HttpStatusCode.NotFound or HttpStatusCode.BadRequest))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var json = document.RootElement;
            if (json.ValueKind == JsonValueKind.Object && json.TryGetProperty("message", out var message) && message.GetString() is { } text
                && ((json.TryGetProperty("param", out var param) && param.GetString() == "model")
                    || text.Contains("does not exist", StringComparison.OrdinalIgnoreCase)))
            {
                return text;
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }

    private async Task<(int Count, int[] Tokens)> TokenizeAsync(string text, bool specials, CancellationToken ct)
    {
        var (count, tokens, _) = await TokenizeAsync(text, specials, strings: false, ct);
        return (count, tokens);
    }

    private async Task<(int Count, int[] Tokens, string?[]? Strings)> TokenizeAsync(string text, bool specials, bool strings, CancellationToken ct)
    {
        using var response = await _http.PostAsJsonAsync(_url,
            new { model = _model, prompt = text, add_special_tokens = specials, return_token_strs = strings }, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new TokenizerException("dataset", $"POST {_url} answered {(int)response.StatusCode}: {Shorten(body)}");
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var json = document.RootElement;
            int[] tokens = json.TryGetProperty("tokens", out var t) && t.ValueKind == JsonValueKind.Array
                ? [.. t.EnumerateArray().Select(x => x.GetInt32())] : [];
            string?[]? names = json.TryGetProperty("token_strs", out var n) && n.ValueKind == JsonValueKind.Array
                ? [.. n.EnumerateArray().Select(x => x.GetString())] : null;
            return (json.GetProperty("count").GetInt32(), tokens, names);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new TokenizerException("dataset", $"POST {_url} answered something that is not a tokenize response ({e.Message})");
        }
    }

    /// <summary>
    /// Single-token words, found in one call where the server names its tokens (vLLM ≥ 0.7's <c>token_strs</c>): a
    /// candidate that comes back as one token of its own (written " word" or byte-level "Ġword") is one. Older servers
    /// are asked by group testing instead.
    /// </summary>
    private async Task<(string[] Words, int Leading)> FindServerWordsAsync(CancellationToken ct)
    {
        var candidates = O200kTokenizer.Candidates;
        // A SentencePiece tokenizer's dummy prefix makes a leading space a token of its own: " t" is then 2 tokens, not 1.
        var (single, _) = await TokenizeAsync(candidates[0], specials: false, ct);
        var leading = Math.Max(0, single - 1);
        var found = new List<string>(WantedWords);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var tried = 0;
        // Batches of a couple of thousand words stay well inside any server's request limits.
        for (var start = 0; start < candidates.Length && found.Count < WantedWords && start < NamedBatch * 4; start += NamedBatch)
        {
            var batch = candidates.AsSpan(start, Math.Min(NamedBatch, candidates.Length - start)).ToArray();
            var (_, _, names) = await TokenizeAsync(string.Concat(batch), specials: false, strings: true, ct);
            if (names is null)
            {
                return (await GroupTestAsync(candidates, leading, ct), leading);
            }

            tried += batch.Length;
            var wanted = batch.ToHashSet(StringComparer.Ordinal);
            found.AddRange(names.OfType<string>()
                // Byte-level vocabularies write the space as 'Ġ', SentencePiece ones as '▁'.
                .Select(n => n.Length > 1 && n[0] is '\u0120' or '\u2581' ? " " + n[1..] : n)
                .Where(n => wanted.Contains(n) && seen.Add(n)));
        }

        return found.Count > 1000
            ? ([.. found], leading)
            : throw new TokenizerException("dataset",
                $"the server's tokenizer ({_url}, model '{_model}') has only {found.Count} single-token words among {tried:N0} common ones; random "
                    + $"prompts need more than 1,000");
    }

    /// <summary>
    /// Group testing over o200k's plain words (frequent first): a group of n words that the server counts as n tokens
    /// (no special tokens) is n single-token words, since the pre-tokenizer splits at every space; a group that counts
    /// more is halved until the culprits are left out.
    /// </summary>
    private async Task<string[]> GroupTestAsync(string[] candidates, int leading, CancellationToken ct)
    {
        var found = new List<string>(WantedWords);
        var calls = 0;
        var pending = new Stack<(int Start, int Length)>();
        for (var start = 0; start < candidates.Length && found.Count < WantedWords && calls < MaxCalls; start += Group)
        {
            pending.Push((start, Math.Min(Group, candidates.Length - start)));
            while (pending.Count > 0 && calls < MaxCalls)
            {
                var (from, length) = pending.Pop();
                var text = new StringBuilder();
                for (var i = from; i < from + length; i++) text.Append(candidates[i]);
                calls++;
                var (count, _) = await TokenizeAsync(text.ToString(), specials: false, ct);
                if (count == length + leading)
                {
                    found.AddRange(candidates.AsSpan(from, length));
                }
                else if (length / 2 >= MinGroup)
                {
                    pending.Push((from + length / 2, length - length / 2));
                    pending.Push((from, length / 2));
                }
            }
        }

        return found.Count > 1000
            ? [.. found]
            : throw new TokenizerException("dataset",
                $"the server's tokenizer ({_url}, model '{_model}') has only {found.Count} single-token words among the first candidates tried; "
                    + $"random prompts need more than 1,000");
    }

    private static string Shorten(string text) => text.Length > 300 ? text[..300] + "…" : text;
}

/// <summary>Counting tokens failed or cannot be done as asked; <see cref="Field"/> names the spec field to blame.</summary>
internal sealed class TokenizerException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}
