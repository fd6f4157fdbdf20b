using System.Text.Json;

namespace Aibench.Client.LoadGen.Datasets;

/// <summary>
/// ShareGPT conversations, sampled the way vLLM's serving benchmark does: the first human turn is the prompt and the
/// reply's token count is the output length, so results compare with published vLLM numbers.
/// </summary>
internal static class ShareGptDataset
{
    // vLLM's filter: too short says little about speed, too long does not fit small context windows.
    private const int MinTokens = 4;
    private const int MaxPromptTokens = 1024;
    private const int MaxTotalTokens = 2048;

    private const string Expected = "ShareGPT is an array of {\"conversations\": [{\"from\": \"human\", \"value\": \"...\"}, ...]}";

    private static readonly JsonSerializerOptions Options = new() { PropertyNameCaseInsensitive = true };

    public static PromptSet Load(string path, bool chat, int seed, Tokenizers.PromptTokenizer tokenizer, CancellationToken ct)
    {
        var items = new List<PromptItem>();
        var skipped = 0;
        using (var stream = DatasetFiles.Open(path))
        {
            try
            {
                // Streams the top-level array one entry at a time so only the usable first turns are kept in memory.
                foreach (var entry in JsonSerializer.DeserializeAsyncEnumerable<Entry>(stream, Options, ct).ToBlockingEnumerable(ct))
                {
                    if (Usable(entry, chat, tokenizer) is { } item)
                    {
                        items.Add(item);
                    }
                    else
                    {
                        skipped++;
                    }
                }
            }
            catch (JsonException e)
            {
                throw DatasetFiles.Malformed(path, e, Expected);
            }
            catch (IOException e)
            {
                throw new DatasetException($"{path}: cannot read: {e.Message}");
            }
        }

        if (items.Count == 0)
        {
            throw new DatasetException(
                $"{path}: no usable conversations ({DatasetLoader.Thousands(skipped)} entries, none with a human turn and reply of {MinTokens}+ "
                    + $"tokens each, prompt <= {MaxPromptTokens} and both <= {MaxTotalTokens})");
        }

        Shuffle(items, new Random(seed));
        var description = $"sharegpt: {Path.GetFileName(path)} ({DatasetLoader.Thousands(items.Count)} prompts, "
            + $"{DatasetLoader.Thousands(skipped)} skipped)";
        return new PromptSet(items, description);
    }

    private static PromptItem? Usable(Entry? entry, bool chat, Tokenizers.PromptTokenizer tokenizer)
    {
        if (entry?.Conversations is not { Count: >= 2 } turns)
        {
            return null;
        }

        var human = -1;
        for (var i = 0; i < turns.Count; i++)
        {
            if (turns[i]?.From is "human" or "user")
            {
                human = i;
                break;
            }
        }

        if (human < 0 || human + 1 >= turns.Count || turns[human]?.Value is not { } prompt || turns[human + 1]
            is not { From: not ("human" or "user"), Value: { } reply })
        {
            return null;
        }

        // vLLM's filters apply to the text's own tokens; the count kept is what the server counts (with its special tokens).
        var promptTokens = tokenizer.CountLocal(prompt);
        if (promptTokens is < MinTokens or > MaxPromptTokens)
        {
            return null;
        }

        var outputTokens = tokenizer.CountLocal(reply);
        if (outputTokens < MinTokens || promptTokens + outputTokens > MaxTotalTokens)
        {
            return null;
        }

        return DatasetLoader.FromPrompt(prompt, promptTokens + (chat ? 0 : tokenizer.SpecialTokens), outputTokens, chat);
    }

    private static void Shuffle<T>(List<T> items, Random random)
    {
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private sealed record Entry(IReadOnlyList<Turn?>? Conversations);

    private sealed record Turn(string? From, string? Value);
}
