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

    /// <summary>Builds the prompts, counted with o200k: for tests and tools that have no server to ask.</summary>
    public static PromptSet Load(string spec, string api, int seed, CancellationToken ct = default) =>
        LoadAsync(spec, api, seed, Tokenizers.O200kTokenizer.Instance, ct).AsTask().GetAwaiter().GetResult();

    /// <summary>Most prompts whose count is asked of a server's /tokenize; the rest keep the local count (said in the description).</summary>
    public const int MaxServerCounted = 20_000;

    /// <summary>
    /// Builds the prompts with their token counts in <paramref name="tokenizer"/>. <paramref name="api"/> is "completions"
    /// or "chat"; <paramref name="seed"/> makes everything repeatable.
    /// </summary>
    public static async ValueTask<PromptSet> LoadAsync(string spec, string api, int seed, Tokenizers.PromptTokenizer tokenizer,
        CancellationToken ct = default)
    {
        if (api is not (Completions or Chat))
        {
            throw new ArgumentException($"api must be '{Completions}' or '{Chat}', not '{api}'", nameof(api));
        }

        var chat = api == Chat;
        var set = DatasetSpec.Parse(spec) switch
        {
            RandomSpec random => await RandomDataset.BuildAsync(random, chat, seed, tokenizer, ct),
            FileSpec { Kind: FileKind.ShareGpt } file => ShareGptDataset.Load(ExpandHome(file.Path), chat, seed, tokenizer, ct),
            FileSpec file => JsonlDataset.Load(ExpandHome(file.Path), chat, tokenizer, ct),
            _ => throw new InvalidOperationException("unreachable"),
        };
        if (set.Tokenizer == tokenizer.Source)
        {
            return set;
        }

        if (!tokenizer.Remote)
        {
            return new PromptSet(set.Items, set.Description, tokenizer.Source);
        }

        // File prompts were counted (and filtered) locally; the counts kept are asked of the server.
        var items = set.Items.ToArray();
        var asked = Math.Min(items.Length, MaxServerCounted);
        await Parallel.ForEachAsync(Enumerable.Range(0, asked), new ParallelOptions { CancellationToken = ct, MaxDegreeOfParallelism = 16 },
            async (i, token) =>
        {
            var item = items[i];
            var tokens = item.Prompt is { } prompt
                ? await tokenizer.CountAsync(prompt, specials: !chat, token)
                : await SumAsync(item.Messages!, tokenizer, token);
            items[i] = item with { InputTokens = tokens };
        });
        var description = asked < items.Length
            ? $"{set.Description}; the first {Thousands(asked)} counted by the server, the rest locally (o200k)"
            : set.Description;
        return new PromptSet(items, description, tokenizer.Source);
    }

    private static async Task<int> SumAsync(IReadOnlyList<ChatTurn> messages, Tokenizers.PromptTokenizer tokenizer, CancellationToken ct)
    {
        var sum = 0;
        foreach (var m in messages) sum += await tokenizer.CountAsync(m.Content, specials: false, ct);
        return sum;
    }

    /// <summary>
    /// Refuses, before anything is sent, prompts that can never fit the server's context: prompt + max_tokens beyond
    /// its <c>max_model_len</c>. Null when all fit or the limit is unknown, else the message.
    /// </summary>
    public static string? CheckFits(PromptSet prompts, int? maxModelLen)
    {
        if (maxModelLen is not { } max)
        {
            return null;
        }

        var first = -1;
        var over = 0;
        for (var i = 0; i < prompts.Items.Count; i++)
        {
            var item = prompts.Items[i];
            if (item.InputTokens + item.MaxTokens > max)
            {
                over++;
                if (first < 0) first = i;
            }
        }

        if (over == 0)
        {
            return null;
        }

        var bad = prompts.Items[first];
        return $"dataset: {Thousands(over)} of {Thousands(prompts.Items.Count)} prompts can never fit the server's max_model_len of "
            + $"{Thousands(max)} tokens "
            + $"(the first, #{first + 1}: {Thousands(bad.InputTokens)} prompt + {Thousands(bad.MaxTokens)} output tokens); shorten input or output";
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

    /// <summary>Makes the item that is actually sent for one prompt and counts its tokens as the server would.</summary>
    internal static PromptItem FromPrompt(string prompt, int maxTokens, bool chat, Tokenizers.PromptTokenizer tokenizer) =>
        FromPrompt(prompt, tokenizer.CountLocal(prompt) + (chat ? 0 : tokenizer.SpecialTokens), maxTokens, chat);

    /// <summary>As above with the prompt's tokens already counted; counting is the slow part of building a set.</summary>
    internal static PromptItem FromPrompt(string prompt, int inputTokens, int maxTokens, bool chat) =>
        chat
            ? new PromptItem(null, [new ChatTurn("user", prompt)], inputTokens, maxTokens)
            : new PromptItem(prompt, null, inputTokens, maxTokens);

    internal static PromptItem FromMessages(IReadOnlyList<ChatTurn> messages, int maxTokens, bool chat, Tokenizers.PromptTokenizer tokenizer)
    {
        if (chat)
        {
            // The server adds its chat template's tokens on top; its usage reports those, the content is what we control.
            var tokens = messages.Sum(m => tokenizer.CountLocal(m.Content));
            return new PromptItem(null, messages, tokens, maxTokens);
        }

        // The completions endpoint takes raw text and the served model's chat template is unknown here, so the
        // conversation is sent as a plain transcript ending in an open assistant turn: the content still reaches the
        // model and the token count stays close to the chat form's.
        var prompt = string.Concat(messages.Select(m => $"{m.Role}: {m.Content}\n")) + "assistant:";
        return new PromptItem(prompt, null, tokenizer.CountLocal(prompt) + tokenizer.SpecialTokens, maxTokens);
    }

    internal static string Thousands(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    internal static string ExpandHome(string path) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.Length > 2 ? path[2..] : "")
            : path;
}
