using Microsoft.ML.Tokenizers;

namespace Aibench.Client.LoadGen;

/// <summary>
/// Client-side token counts with o200k (shipped in a package, so nothing is downloaded). The served model's own
/// tokenizer may count differently; the server's <c>usage</c> is preferred where present and both are kept.
/// </summary>
internal sealed class TokenCounter
{
    private static readonly Lazy<TokenCounter> Instance = new(() => new TokenCounter());

    private TokenCounter() => Tokenizer = TiktokenTokenizer.CreateForModel("gpt-4o");

    public static TokenCounter Shared => Instance.Value;

    public Tokenizer Tokenizer { get; }

    public int Count(string text) => text.Length == 0 ? 0 : Tokenizer.CountTokens(text);
}
