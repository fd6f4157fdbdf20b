using Aibench.Shared.Tokenizers;

namespace Aibench.Client.LoadGen.Tokenizers;

/// <summary>Chooses how prompt tokens are counted: the server's /tokenize, else the tokenizer file, else o200k.</summary>
internal static class PromptTokenizers
{
    /// <summary>
    /// The first that works, with a note on why earlier choices were passed over (kept on the result). A bad
    /// tokenizer file or a model the server does not know is an error, never a silent fall-back.
    /// </summary>
    public static async Task<(PromptTokenizer Tokenizer, string? Note)> ResolveAsync(string? tokenizerPath, Uri endpoint, string model,
        HttpClient http, CancellationToken ct)
    {
        // Checked first so that a bad path is reported even when the server's tokenizer is used.
        var file = tokenizerPath is null ? null : LoadFile(tokenizerPath);
        var (server, reason) = await ServerTokenizer.ProbeAsync(http, endpoint, model, ct);
        if (server is not null)
        {
            return (server, file is null ? null : $"the server's /tokenize was used; tokenizer {tokenizerPath} was checked, not needed");
        }

        return file is not null
            ? (file, $"no server tokenizer: {reason}")
            : (O200kTokenizer.Instance, $"no server tokenizer ({reason}) and no tokenizer file: token counts are o200k's, not the served model's");
    }

    /// <summary>Reads a tokenizer file, turning its problem into an error on the <c>tokenizer</c> field.</summary>
    public static FileTokenizer LoadFile(string path)
    {
        try
        {
            return FileTokenizer.Load(path);
        }
        catch (TokenizerFileException e)
        {
            throw new TokenizerException("tokenizer", $"tokenizer: {e.Message}");
        }
    }
}
