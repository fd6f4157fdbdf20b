using System.Text;

namespace Aibench.Monitor.Scraping;

/// <summary>The canonical text form of a label set, as <see cref="ParsedSample.Labels"/> holds it.</summary>
internal static class LabelText
{
    /// <summary>
    /// Canonical form from pairs (sorted by name, values escaped \\ \" \n); "" when empty. Pairs with an empty value
    /// are left out, as Prometheus treats them as absent.
    /// </summary>
    public static string Format(IEnumerable<KeyValuePair<string, string>> labels)
    {
        var pairs = labels.Where(p => p.Value.Length > 0).ToArray();
        if (pairs.Length == 0) return "";
        Array.Sort(pairs, (a, b) => string.CompareOrdinal(a.Key, b.Key));
        var text = new StringBuilder(pairs.Length * 24);
        for (var i = 0; i < pairs.Length; i++)
        {
            var (name, value) = pairs[i];
            if (ExpositionParser.LabelNameLength(Encoding.UTF8.GetBytes(name)) != name.Length) throw new
                ArgumentException($"'{name}' is not a label name.", nameof(labels));
            if (i > 0 && pairs[i - 1].Key == name) throw new ArgumentException($"Label '{name}' appears twice.", nameof(labels));
            text.Append(i == 0 ? '{' : ',').Append(name).Append("=\"");
            foreach (var c in value)
            {
                _ = c switch
                {
                    '\\' => text.Append(@"\\"),
                    '"' => text.Append("\\\""),
                    '\n' => text.Append(@"\n"),
                    _ => text.Append(c),
                };
            }

            text.Append('"');
        }

        return text.Append('}').ToString();
    }

    /// <summary>Back to pairs (unescaped). Throws FormatException on invalid text.</summary>
    public static IReadOnlyDictionary<string, string> Parse(string canonical)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (canonical.Length == 0) return result;
        var block = Encoding.UTF8.GetBytes(canonical);
        var pairs = new List<LabelBlock.Pair>();
        if (block[0] != (byte)'{') throw new FormatException($"Label text must start with '{{': {canonical}");
        var error = LabelBlock.Read(block, pairs, out _);
        if (error is not null) throw new FormatException($"Invalid label text ({error}): {canonical}");
        foreach (var pair in pairs)
        {
            var value = LabelBlock.Value(block, pair);
            if (value.Length == 0) continue;
            if (!result.TryAdd(Encoding.ASCII.GetString(LabelBlock.Name(block, pair)), value))
            {
                throw new FormatException($"Invalid label text (duplicate label name): {canonical}");
            }
        }

        return result;
    }

    /// <summary>The canonical text without the given label names (e.g. to group buckets by all but "le", or to sum across replicas).</summary>
    public static string Without(string canonical, params string[] names)
    {
        var pairs = Parse(canonical);
        return Format(pairs.Where(p => Array.IndexOf(names, p.Key) < 0));
    }
}
