using System.Text;
using System.Text.Json;

namespace Aibench.Client.LoadGen.Datasets;

/// <summary>
/// One request a line: <c>{"prompt": "...", "max_tokens": N}</c> or <c>{"messages": [{"role": "...", "content": "..."}], "max_tokens": N}</c>.
/// The file is the user's exact workload, so it is sent in file order and any bad line is an error rather than skipped.
/// </summary>
internal static class JsonlDataset
{
    public const int MaxLineChars = 16 * 1024 * 1024;

    public static PromptSet Load(string path, bool chat, Tokenizers.PromptTokenizer tokenizer, CancellationToken ct)
    {
        var items = new List<PromptItem>();
        using (var stream = DatasetFiles.Open(path))
        using (var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true))
        {
            try
            {
                foreach (var (number, line) in Lines(reader, path))
                {
                    ct.ThrowIfCancellationRequested();
                    if (!string.IsNullOrWhiteSpace(line))
                    {
                        items.Add(ParseLine(line, chat, tokenizer, $"{path}:{number}: "));
                    }
                }
            }
            catch (IOException e)
            {
                throw new DatasetException($"{path}: cannot read: {e.Message}");
            }
        }

        if (items.Count == 0)
        {
            throw new DatasetException($"{path}: no prompts (the file is empty or has only blank lines)");
        }

        return new PromptSet(items, $"jsonl: {Path.GetFileName(path)} ({DatasetLoader.Thousands(items.Count)} prompts)");
    }

    private static PromptItem ParseLine(string line, bool chat, Tokenizers.PromptTokenizer tokenizer, string at)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            throw new DatasetException($"{at}not valid JSON at byte {(e.BytePositionInLine ?? 0) + 1}: {DatasetFiles.Reason(e.Message)}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new DatasetException($"{at}expected a JSON object, got {Kind(root)}");
            }

            var hasPrompt = root.TryGetProperty("prompt", out var prompt);
            var hasMessages = root.TryGetProperty("messages", out var messages);
            if (hasPrompt == hasMessages)
            {
                throw new DatasetException(hasPrompt
                    ? $"{at}has both 'prompt' and 'messages'; give one"
                    : $"{at}needs 'prompt' (a string) or 'messages' (an array of {{\"role\", \"content\"}})");
            }

            var maxTokens = MaxTokens(root, at);
            if (hasPrompt)
            {
                return prompt.ValueKind == JsonValueKind.String && prompt.GetString() is { Length: > 0 } text
                    ? DatasetLoader.FromPrompt(text, maxTokens, chat, tokenizer)
                    : throw new DatasetException($"{at}'prompt' must be a non-empty string, got {Kind(prompt)}");
            }

            return DatasetLoader.FromMessages(Messages(messages, at), maxTokens, chat, tokenizer);
        }
    }

    private static int MaxTokens(JsonElement root, string at)
    {
        if (!root.TryGetProperty("max_tokens", out var value))
        {
            throw new DatasetException($"{at}'max_tokens' is missing (the output length to ask for)");
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n > 0
            ? n
            : throw new DatasetException($"{at}'max_tokens' must be a positive integer, got {Kind(value)}");
    }

    private static List<ChatTurn> Messages(JsonElement messages, string at)
    {
        if (messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
        {
            throw new DatasetException($"{at}'messages' must be a non-empty array, got {Kind(messages)}");
        }

        var turns = new List<ChatTurn>();
        var i = 0;
        foreach (var message in messages.EnumerateArray())
        {
            if (message.ValueKind != JsonValueKind.Object)
            {
                throw new DatasetException($"{at}'messages[{i}]' must be an object with 'role' and 'content', got {Kind(message)}");
            }

            turns.Add(new ChatTurn(Text(message, "role", i, at), Text(message, "content", i, at)));
            i++;
        }

        return turns;
    }

    private static string Text(JsonElement message, string field, int index, string at)
    {
        if (!message.TryGetProperty(field, out var value))
        {
            throw new DatasetException($"{at}'messages[{index}].{field}' is missing");
        }

        // An empty content is a legitimate turn; an empty role is not.
        return value.ValueKind == JsonValueKind.String && value.GetString() is { } text && (text.Length > 0 || field == "content")
            ? text
            : throw new DatasetException($"{at}'messages[{index}].{field}' must be a{(field == "role" ? " non-empty" : "")} string, "
                + $"got {Kind(value)}");
    }

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!.Length == 0 ? "an empty string" : "a string",
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        _ => "null",
    };

    /// <summary>Lines numbered from 1, without their line ending; a line longer than the cap is an error rather than a huge string.</summary>
    private static IEnumerable<(int Number, string Text)> Lines(StreamReader reader, string path)
    {
        var buffer = new char[1 << 16];
        var line = new StringBuilder();
        var number = 1;
        int read;
        while ((read = reader.Read(buffer, 0, buffer.Length)) > 0)
        {
            var start = 0;
            while (start < read)
            {
                var newline = Array.IndexOf(buffer, '\n', start, read - start);
                var end = newline < 0 ? read : newline;
                line.Append(buffer, start, end - start);
                if (line.Length > MaxLineChars)
                {
                    throw new DatasetException($"{path}:{number}: line is longer than 16 MB");
                }

                if (newline < 0)
                {
                    break;
                }

                yield return (number++, TrimCarriageReturn(line));
                line.Clear();
                start = newline + 1;
            }
        }

        if (line.Length > 0)
        {
            yield return (number, TrimCarriageReturn(line));
        }
    }

    private static string TrimCarriageReturn(StringBuilder line) =>
        line.Length > 0 && line[^1] == '\r' ? line.ToString(0, line.Length - 1) : line.ToString();
}
