using System.Buffers;
using System.Text;

namespace Aibench.Client.LoadGen.Datasets;

/// <summary>Synthetic prompts of sampled token lengths, built from real tokens so the counts are exact.</summary>
internal static class RandomDataset
{
    // Tokens that are a space followed by ASCII letters and encode back to themselves alone: the pre-tokenizer splits
    // text at each such space, so a run of them encodes to exactly one token each and the count is their number.
    private static readonly Lazy<string[]> Words = new(FindWords);

    private static readonly SearchValues<char> AsciiLetters =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");

    public static PromptSet Build(RandomSpec spec, bool chat, int seed, CancellationToken ct)
    {
        var words = Words.Value;
        var random = new Random(seed);
        var prefix = new StringBuilder();
        AppendWords(prefix, spec.Prefix, words, random);
        var prefixText = prefix.ToString();

        var items = new PromptItem[spec.Count];
        var text = new StringBuilder();
        for (var i = 0; i < items.Length; i++)
        {
            ct.ThrowIfCancellationRequested();
            var input = Math.Max(spec.Input.Sample(random), spec.Prefix + 1);
            var output = spec.Output.Sample(random);
            text.Clear().Append(prefixText);
            AppendWords(text, input - spec.Prefix, words, random);
            var prompt = FixUp(text, prefixText.Length, input, words, random);
            items[i] = DatasetLoader.FromPrompt(prompt, output, chat);
        }

        return new PromptSet(items, spec.ToString());
    }

    private static void AppendWords(StringBuilder text, int count, string[] words, Random random)
    {
        for (var i = 0; i < count; i++)
        {
            text.Append(words[random.Next(words.Length)]);
        }
    }

    /// <summary>
    /// Re-counts and adds or drops whole words after the prefix until the count is the target. By construction no
    /// change is expected; this only guards against a tokenizer that merges across words after all.
    /// </summary>
    private static string FixUp(StringBuilder text, int keep, int target, string[] words, Random random)
    {
        var prompt = text.ToString();
        for (var attempt = 0; attempt < 64; attempt++)
        {
            var count = TokenCounter.Shared.Count(prompt);
            if (count == target)
            {
                break;
            }

            if (count < target)
            {
                AppendWords(text, target - count, words, random);
            }
            else
            {
                var cut = text.ToString().LastIndexOf(' ');
                if (cut <= keep)
                {
                    break;
                }

                text.Length = cut;
            }

            prompt = text.ToString();
        }

        return prompt;
    }

    private static string[] FindWords()
    {
        var tokenizer = TokenCounter.Shared.Tokenizer;
        var words = new List<string>();

        // o200k has just under 200,000 ordinary tokens; ids past the end decode to nothing and are skipped.
        for (var id = 0; id < 200_000; id++)
        {
            var text = tokenizer.Decode([id]);
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
            : throw new InvalidOperationException($"The tokenizer has only {words.Count} plain word tokens; random prompts need more.");
    }
}
