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

        // Texts and lengths are drawn in order from the one seeded generator so that they repeat exactly; counting the
        // tokens is the slow part and runs in parallel afterwards.
        var prompts = new string[spec.Count];
        var inputs = new int[spec.Count];
        var outputs = new int[spec.Count];
        var fixSeeds = new int[spec.Count];
        var text = new StringBuilder();
        for (var i = 0; i < prompts.Length; i++)
        {
            ct.ThrowIfCancellationRequested();
            inputs[i] = Math.Max(spec.Input.Sample(random), spec.Prefix + 1);
            outputs[i] = spec.Output.Sample(random);
            fixSeeds[i] = random.Next();
            text.Clear().Append(prefixText);
            AppendWords(text, inputs[i] - spec.Prefix, words, random);
            prompts[i] = text.ToString();
        }

        var items = new PromptItem[spec.Count];
        Parallel.For(0, items.Length, new ParallelOptions { CancellationToken = ct }, i =>
        {
            var (prompt, tokens) = FixUp(prompts[i], prefixText.Length, inputs[i], words, fixSeeds[i]);
            items[i] = DatasetLoader.FromPrompt(prompt, tokens, outputs[i], chat);
        });

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
    private static (string Prompt, int Tokens) FixUp(string prompt, int keep, int target, string[] words, int seed)
    {
        var count = TokenCounter.Shared.Count(prompt);
        if (count == target)
        {
            return (prompt, count);
        }

        var text = new StringBuilder(prompt);
        var random = new Random(seed);
        for (var attempt = 0; attempt < 64 && count != target; attempt++)
        {
            if (count < target)
            {
                AppendWords(text, target - count, words, random);
            }
            else
            {
                var cut = prompt.LastIndexOf(' ');
                if (cut <= keep)
                {
                    break;
                }

                text.Length = cut;
            }

            prompt = text.ToString();
            count = TokenCounter.Shared.Count(prompt);
        }

        return (prompt, count);
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
