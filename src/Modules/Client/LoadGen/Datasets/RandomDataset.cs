using System.Text;
using Aibench.Client.LoadGen.Tokenizers;

namespace Aibench.Client.LoadGen.Datasets;

/// <summary>
/// Synthetic prompts of sampled token lengths, built from the served model's single-token words so the counts are
/// exact in its tokenizer. The target length is what the server counts: for completions that includes the special
/// tokens it adds (Llama 3's begin-of-text), for chat the message content alone (the template's tokens come on top).
/// </summary>
internal static class RandomDataset
{
    public static async Task<PromptSet> BuildAsync(RandomSpec spec, bool chat, int seed, PromptTokenizer tokenizer, CancellationToken ct)
    {
        var words = await tokenizer.WordsAsync(ct);
        var specials = chat ? 0 : tokenizer.SpecialTokens;
        var leading = tokenizer.LeadingTokens;
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
            inputs[i] = Math.Max(spec.Input.Sample(random), spec.Prefix + 1 + specials + leading);
            outputs[i] = spec.Output.Sample(random);
            fixSeeds[i] = random.Next();
            text.Clear().Append(prefixText);
            AppendWords(text, inputs[i] - spec.Prefix - specials - leading, words, random);
            prompts[i] = text.ToString();
        }

        var counts = new int[spec.Count];
        if (tokenizer.Remote)
        {
            await CountRemotelyAsync(prompts, counts, inputs, prefixText.Length, words, fixSeeds, tokenizer, !chat, ct);
        }
        else
        {
            Parallel.For(0, prompts.Length, new ParallelOptions { CancellationToken = ct }, i =>
            {
                (prompts[i], counts[i]) = FixUp(prompts[i], prefixText.Length, inputs[i], words, fixSeeds[i],
                    p => tokenizer.CountLocal(p) + specials);
            });
        }

        var items = new PromptItem[spec.Count];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = DatasetLoader.FromPrompt(prompts[i], counts[i], outputs[i], chat);
        }

        return new PromptSet(items, spec.ToString(), tokenizer.Source);
    }

    /// <summary>
    /// One server call per distinct length checks the first prompt of that length; the others are built the same way
    /// and so count the same. Only a length whose check fails has each of its prompts counted and fixed.
    /// </summary>
    private static async Task CountRemotelyAsync(string[] prompts, int[] counts, int[] inputs, int keep, string[] words, int[] fixSeeds,
        PromptTokenizer tokenizer, bool specials, CancellationToken ct)
    {
        var lengths = Enumerable.Range(0, prompts.Length).GroupBy(i => inputs[i]).ToList();
        await Parallel.ForEachAsync(lengths, new ParallelOptions { CancellationToken = ct, MaxDegreeOfParallelism = 8 }, async (group, token) =>
        {
            var first = group.First();
            var count = await tokenizer.CountAsync(prompts[first], specials, token);
            if (count == group.Key)
            {
                foreach (var i in group) counts[i] = count;
                return;
            }

            foreach (var i in group)
            {
                (prompts[i], counts[i]) = await FixUpAsync(prompts[i], keep, inputs[i], words, fixSeeds[i], p
                    => tokenizer.CountAsync(p, specials, token));
            }
        });
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
    private static (string Prompt, int Tokens) FixUp(string prompt, int keep, int target, string[] words, int seed, Func<string, int> count) =>
        FixUpAsync(prompt, keep, target, words, seed, p => ValueTask.FromResult(count(p))).AsTask().GetAwaiter().GetResult();

    private static async ValueTask<(string Prompt, int Tokens)> FixUpAsync(string prompt, int keep, int target, string[] words, int seed, Func<string,
        ValueTask<int>> count)
    {
        var tokens = await count(prompt);
        if (tokens == target)
        {
            return (prompt, tokens);
        }

        var text = new StringBuilder(prompt);
        var random = new Random(seed);
        for (var attempt = 0; attempt < 64 && tokens != target; attempt++)
        {
            if (tokens < target)
            {
                AppendWords(text, target - tokens, words, random);
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
            tokens = await count(prompt);
        }

        return (prompt, tokens);
    }
}
