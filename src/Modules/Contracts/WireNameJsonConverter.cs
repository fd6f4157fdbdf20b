using System.Text.Json;
using System.Text.Json.Serialization;

namespace Aibench.Contracts;

/// <summary>
/// Writes and reads a contract enum by its <see cref="WireNames">wire name</see>. Put on the enum itself, so that a
/// module serialising a contract with its own options (a stored result, a worker's report) writes the same text as the
/// REST API, never a number.
/// </summary>
/// <typeparam name="T">The enum.</typeparam>
public sealed class WireNameJsonConverter<T> : JsonConverter<T> where T : struct, Enum
{
    /// <inheritdoc />
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && WireNames.TryParse<T>(reader.GetString(), out var value)
            ? value
            : throw new JsonException($"Expected one of: {string.Join(", ", WireNames.All<T>())}.");

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(value.WireName());
}
