namespace Aibench.Client.LoadGen.Tokenizers;

/// <summary>The last resort: OpenAI's o200k, shipped in a package. Results counted with it say so.</summary>
internal sealed class O200kTokenizer : PromptTokenizer
{
    private static readonly Lazy<string[]> Words = new(() => FindWords(TokenCounter.Shared.Tokenizer, 200_000, "o200k"));

    public static O200kTokenizer Instance { get; } = new();

    private O200kTokenizer()
    {
    }

    public override string Source => "o200k";

    public override int SpecialTokens => 0;

    public override int CountLocal(string text) => TokenCounter.Shared.Count(text);

    public override ValueTask<string[]> WordsAsync(CancellationToken ct) => ValueTask.FromResult(Words.Value);

    /// <summary>The o200k words in id order (frequent first): the candidates tried against a server's tokenizer.</summary>
    public static string[] Candidates => Words.Value;
}
