using System.Collections.Concurrent;
using System.Text.Json;

namespace Aibench.Contracts;

/// <summary>
/// The names the enums of the contracts have outside the process: on the REST API, in stored JSON and in the database
/// columns that hold them (snake_case, e.g. <c>timed_out</c>, <c>warmup</c>). Modules work with the enums and turn
/// them into these names only at those edges, so that the wire never depends on how a member is spelled in C#.
/// </summary>
public static class WireNames
{
    private static readonly ConcurrentDictionary<Type, (Dictionary<Enum, string> ToName, Dictionary<string, Enum> FromName)> Tables = new();

    /// <summary>The wire name of an enum member: its name in snake_case (the host's JSON converter writes the same).</summary>
    public static string WireName<T>(this T value) where T : struct, Enum => Table<T>().ToName[value];

    /// <summary>Every wire name of an enum, in declaration order.</summary>
    public static IReadOnlyList<string> All<T>() where T : struct, Enum => Enum.GetValues<T>().Select(v => v.WireName()).ToList();

    /// <summary>Reads a wire name (any case); false for a name the enum does not have.</summary>
    public static bool TryParse<T>(string? name, out T value) where T : struct, Enum
    {
        if (name is not null && Table<T>().FromName.TryGetValue(name, out var found))
        {
            value = (T)found;
            return true;
        }

        value = default;
        return false;
    }

    /// <summary>Reads a wire name that must be valid (a stored column, a stored document).</summary>
    public static T Parse<T>(string name) where T : struct, Enum =>
        TryParse<T>(name, out var value) ? value
            : throw new FormatException($"'{name}' is not a {typeof(T).Name}; expected one of: {string.Join(", ", All<T>())}.");

    private static (Dictionary<Enum, string> ToName, Dictionary<string, Enum> FromName) Table<T>() where T : struct, Enum =>
        Tables.GetOrAdd(typeof(T), _ =>
        {
            var toName = Enum.GetValues<T>().ToDictionary(v => (Enum)v, v => JsonNamingPolicy.SnakeCaseLower.ConvertName(v.ToString()));
            return (toName, toName.ToDictionary(kv => kv.Value, kv => kv.Key, StringComparer.OrdinalIgnoreCase));
        });
}
