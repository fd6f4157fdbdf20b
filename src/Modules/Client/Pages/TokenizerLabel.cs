namespace Aibench.Client.Pages;

/// <summary>How pages name what counted a run's prompt tokens (<c>RunSummary.TokenCounter</c>).</summary>
internal static class TokenizerLabel
{
    /// <summary>True when the counts are not the served model's own (o200k, the last resort).</summary>
    public static bool Approximate(string tokenCounter)
        => !(tokenCounter == "server:/tokenize" || tokenCounter.StartsWith("file:", StringComparison.Ordinal));

    public static string Of(string tokenCounter) => tokenCounter switch
    {
        "server:/tokenize" => "the server's /tokenize (the served model's own tokenizer)",
        _ when tokenCounter.StartsWith("file:", StringComparison.Ordinal) && tokenCounter.Length > 17
            => $"tokenizer file, sha256 {tokenCounter[5..17]}…",
        _ => "o200k, not the served model's tokenizer: prompt lengths are approximate",
    };
}
