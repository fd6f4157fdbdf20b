using System.Globalization;

namespace Aibench.Client.LoadGen.Datasets;

/// <summary>
/// Turns a dataset spec (<c>random:input=512,output=128</c>, <c>sharegpt:PATH</c>, <c>jsonl:PATH</c>) into the prompts of a run.
/// The same spec text is accepted by the CLI flag <c>--dataset</c> and the REST field <c>dataset</c>.
/// </summary>
internal static class DatasetLoader
{
    public const string Completions = "completions";

    public const string Chat = "chat";

    /// <summary>Builds the prompts. <paramref name="api"/> is "completions" or "chat"; <paramref name="seed"/> makes everything repeatable.</summary>
    public static PromptSet Load(string spec, string api, int seed, CancellationToken ct = default)
    {
        if (api is not (Completions or Chat))
        {
            throw new ArgumentException($"api must be '{Completions}' or '{Chat}', not '{api}'", nameof(api));
        }

        return DatasetSpec.Parse(spec) switch
        {
            RandomSpec random => RandomDataset.Build(random, api == Chat, seed, ct),
            FileSpec { Kind: FileKind.ShareGpt } file => ShareGptDataset.Load(ExpandHome(file.Path), api == Chat, seed, ct),
            FileSpec file => JsonlDataset.Load(ExpandHome(file.Path), api == Chat, ct),
            _ => throw new InvalidOperationException("unreachable"),
        };
    }

    /// <summary>Checks the spec text only, without reading any file: null when fine, else the error message.</summary>
    public static string? CheckSyntax(string spec)
    {
        try
        {
            DatasetSpec.Parse(spec);
            return null;
        }
        catch (DatasetException e)
        {
            return e.Message;
        }
    }

    /// <summary>Makes the item that is actually sent for one prompt and counts its tokens.</summary>
    internal static PromptItem FromPrompt(string prompt, int maxTokens, bool chat) =>
        FromPrompt(prompt, TokenCounter.Shared.Count(prompt), maxTokens, chat);

    /// <summary>As above with the prompt's tokens already counted; counting is the slow part of building a set.</summary>
    internal static PromptItem FromPrompt(string prompt, int inputTokens, int maxTokens, bool chat) =>
        chat
            ? new PromptItem(null, [new ChatTurn("user", prompt)], inputTokens, maxTokens)
            : new PromptItem(prompt, null, inputTokens, maxTokens);

    internal static PromptItem FromMessages(IReadOnlyList<ChatTurn> messages, int maxTokens, bool chat)
    {
        if (chat)
        {
            // The server adds its chat template's tokens on top; its usage reports those, the content is what we control.
            var tokens = messages.Sum(m => TokenCounter.Shared.Count(m.Content));
            return new PromptItem(null, messages, tokens, maxTokens);
        }

        // The completions endpoint takes raw text and the served model's chat template is unknown here, so the
        // conversation is sent as a plain transcript ending in an open assistant turn: the content still reaches the
        // model and the token count stays close to the chat form's.
        var prompt = string.Concat(messages.Select(m => $"{m.Role}: {m.Content}\n")) + "assistant:";
        return new PromptItem(prompt, null, TokenCounter.Shared.Count(prompt), maxTokens);
    }

    internal static string Thousands(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string ExpandHome(string path) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.Length > 2 ? path[2..] : "")
            : path;
}
