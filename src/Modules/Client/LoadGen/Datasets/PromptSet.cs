namespace Aibench.Client.LoadGen.Datasets;

/// <summary>One request's input: a completion prompt or chat messages, its token count, and how many tokens to ask for.</summary>
internal sealed record PromptItem(string? Prompt, IReadOnlyList<ChatTurn>? Messages, int InputTokens, int MaxTokens);

internal sealed record ChatTurn(string Role, string Content);

/// <summary>The prompts of a run, in the order they are sent (request i uses item i modulo the count).</summary>
/// <param name="items">The prompts.</param>
/// <param name="description">What the dataset is, for the result and pages.</param>
/// <param name="tokenizer">Which tokenizer counted the prompts' tokens: <c>server:/tokenize</c>, <c>file:&lt;sha256&gt;</c> or <c>o200k</c>.</param>
internal sealed class PromptSet(IReadOnlyList<PromptItem> items, string description, string tokenizer = "o200k")
{
    public int Count => items.Count;

    public string Description => description;

    public string Tokenizer => tokenizer;

    public IReadOnlyList<PromptItem> Items => items;

    public PromptItem this[long index] => items[(int)(index % items.Count)];
}

/// <summary>A dataset spec or file that cannot be used; the message names the field or the file and line.</summary>
internal sealed class DatasetException(string message) : Exception(message);
