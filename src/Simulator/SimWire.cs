using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Aibench.Simulator;

/// <summary>
/// The pieces of vLLM's HTTP format the simulator's routes share: reading a JSON body, optional boolean flags, message
/// content and the chat template's text, SSE events, and vLLM's error body.
/// </summary>
internal static class SimWire
{
    // Role markers count like a chat template's do; the text is what a real template would wrap.
    public static string Template(JsonArray messages) => string.Concat(messages.Select(m => $"<|{m?["role"]}|>{ContentOf(m?["content"])}\n"));

    public static async Task Sse(HttpContext context, JsonNode chunk)
    {
        await context.Response.WriteAsync("data: " + chunk.ToJsonString() + "\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    public static bool Flag(JsonObject? body, string name, out bool value)
    {
        value = false;
        return body?[name] is not { } node || (node is JsonValue v && v.TryGetValue(out value));
    }

    public static string ContentOf(JsonNode? content) => content switch
    {
        JsonArray parts => string.Concat(parts.Select(p => p?["text"]?.ToString())),
        null => "",
        _ => content.ToString(),
    };

    public static async Task<JsonObject?> ReadAsync(HttpContext context)
    {
        try
        {
            if (await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted) is JsonObject body)
            {
                return body;
            }
        }
        catch (JsonException e)
        {
            await Error(context, 400, $"The request body is not valid JSON: {e.Message}", "BadRequestError");
            return null;
        }

        await Error(context, 400, "The request body must be a JSON object.", "BadRequestError");
        return null;
    }

    /// <summary>vLLM's error body.</summary>
    public static Task Error(HttpContext context, int status, string message, string type, string? param = null)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new { @object = "error", message, type, param, code = status });
    }
}
