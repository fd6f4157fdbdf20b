using System.Buffers;
using System.Text;
using System.Text.Json;
using Aibench.Client.LoadGen.Datasets;

namespace Aibench.Client.LoadGen;

/// <summary>What one SSE event or one non-streaming body carried.</summary>
internal readonly record struct Chunk(string? Content, int PromptTokens, int CompletionTokens, bool Done, string? Error)
{
    public static readonly Chunk DoneMarker = new(null, -1, -1, true, null);
}

/// <summary>The OpenAI-compatible request bodies and answers, for <c>/v1/completions</c> and <c>/v1/chat/completions</c>.</summary>
internal static class OpenAiWire
{
    public static string Path(ApiKind api) => api == ApiKind.Chat ? "v1/chat/completions" : "v1/completions";

    public static byte[] Body(LoadPlan plan, PromptItem item)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + ((item.Prompt?.Length ?? 0) * 2));
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("model", plan.Model);
            if (plan.Api == ApiKind.Chat)
            {
                json.WriteStartArray("messages");
                foreach (var turn in item.Messages ?? [new ChatTurn("user", item.Prompt ?? "")])
                {
                    json.WriteStartObject();
                    json.WriteString("role", turn.Role);
                    json.WriteString("content", turn.Content);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
            }
            else
            {
                json.WriteString("prompt", item.Prompt ?? string.Join("\n", (item.Messages ?? []).Select(m => m.Content)));
            }

            json.WriteNumber("max_tokens", item.MaxTokens);
            if (plan.IgnoreEos)
            {
                json.WriteBoolean("ignore_eos", true);
            }

            // Greedy decoding keeps repeated runs comparable.
            json.WriteNumber("temperature", 0);
            json.WriteBoolean("stream", plan.Stream);
            if (plan.Stream)
            {
                json.WriteStartObject("stream_options");
                json.WriteBoolean("include_usage", true);
                if (plan.ContinuousUsage)
                {
                    json.WriteBoolean("continuous_usage_stats", true);
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>One SSE <c>data:</c> payload: a chunk, the usage chunk, an error object or <c>[DONE]</c>.</summary>
    public static Chunk ParseEvent(ReadOnlySpan<byte> data)
    {
        var trimmed = data.Trim(" \r\n\t"u8);
        if (trimmed.SequenceEqual("[DONE]"u8))
        {
            return Chunk.DoneMarker;
        }

        return ParseObject(trimmed);
    }

    /// <summary>A non-streaming answer body.</summary>
    public static Chunk ParseObject(ReadOnlySpan<byte> json)
    {
        string? content = null;
        string? error = null;
        string? message = null;
        var errorObject = false;
        int prompt = -1, completion = -1;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return new Chunk(null, -1, -1, false, "not a JSON object");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("choices"u8))
                {
                    reader.Read();
                    content = ReadChoices(ref reader);
                }
                else if (reader.ValueTextEquals("usage"u8))
                {
                    reader.Read();
                    ReadUsage(ref reader, ref prompt, ref completion);
                }
                else if (reader.ValueTextEquals("error"u8))
                {
                    reader.Read();
                    error = (reader.TokenType == JsonTokenType.String ? reader.GetString() : ReadErrorMessage(ref reader)) ?? "error";
                }
                else if (reader.ValueTextEquals("object"u8))
                {
                    // vLLM's error body is a top-level {"object": "error", "message": ...}.
                    reader.Read();
                    errorObject |= reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("error"u8);
                }
                else if (reader.ValueTextEquals("message"u8))
                {
                    reader.Read();
                    message = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    reader.Skip();
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException e)
        {
            return new Chunk(null, -1, -1, false, "invalid JSON: " + e.Message);
        }

        if (errorObject)
        {
            error ??= message ?? "error";
        }

        return new Chunk(content, prompt, completion, false, error);
    }

    private static string? ReadChoices(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return null;
        }

        string? content = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("text"u8))
                {
                    reader.Read();
                    content = Append(content, reader.TokenType == JsonTokenType.String ? reader.GetString() : null);
                }
                else if (reader.ValueTextEquals("delta"u8) || reader.ValueTextEquals("message"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        reader.Skip();
                        continue;
                    }

                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        var isContent = reader.ValueTextEquals("content"u8) || reader.ValueTextEquals("reasoning_content"u8);
                        reader.Read();
                        if (isContent && reader.TokenType == JsonTokenType.String)
                        {
                            content = Append(content, reader.GetString());
                        }
                        else
                        {
                            reader.Skip();
                        }
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }

        return content;
    }

    private static string? Append(string? a, string? b) => a is null ? b : b is null ? a : a + b;

    private static void ReadUsage(ref Utf8JsonReader reader, ref int prompt, ref int completion)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isPrompt = reader.ValueTextEquals("prompt_tokens"u8);
            var isCompletion = reader.ValueTextEquals("completion_tokens"u8);
            reader.Read();
            if ((isPrompt || isCompletion) && reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var n))
            {
                if (isPrompt) prompt = n;
                else completion = n;
            }
            else
            {
                reader.Skip();
            }
        }
    }

    private static string? ReadErrorMessage(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        string? message = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isMessage = reader.ValueTextEquals("message"u8);
            reader.Read();
            if (isMessage && reader.TokenType == JsonTokenType.String)
            {
                message = reader.GetString();
            }
            else
            {
                reader.Skip();
            }
        }

        return message ?? "error";
    }

    /// <summary>A short, printable excerpt of an error body for the run's error samples.</summary>
    public static string Excerpt(ReadOnlySpan<byte> body)
    {
        var text = Encoding.UTF8.GetString(body[..Math.Min(body.Length, 300)]);
        return new string([.. text.Select(c => char.IsControl(c) ? ' ' : c)]).Trim();
    }
}
