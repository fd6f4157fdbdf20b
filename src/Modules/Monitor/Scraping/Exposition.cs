namespace Aibench.Monitor.Scraping;

/// <summary>What one scrape's text held: its samples, the families' types and help, and the lines that did not parse.</summary>
internal sealed class Exposition
{
    public List<ParsedSample> Samples { get; } = [];

    /// <summary>Family name → type from # TYPE lines (family = the name in the TYPE line, e.g. vllm:e2e_request_latency_seconds).</summary>
    public Dictionary<string, MetricType> Types { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> Help { get; } = new(StringComparer.Ordinal);

    /// <summary>Lines that could not be parsed; they are skipped, never fatal.</summary>
    public int Malformed { get; set; }

    /// <summary>Up to 5 examples "line N: reason" for diagnostics.</summary>
    public List<string> MalformedExamples { get; } = [];

    /// <summary>The type of a sample's family: handles _bucket/_sum/_count (histogram, summary), _total (OpenMetrics counters), _created.</summary>
    public MetricType TypeOf(string sampleName)
    {
        if (Types.Count == 0) return MetricType.Untyped;
        var types = Types.GetAlternateLookup<ReadOnlySpan<char>>();
        if (types.TryGetValue(sampleName, out var exact)) return exact;

        // A suffix only counts when the family's type has such samples: a gauge "x" does not make "x_count" a gauge.
        var name = sampleName.AsSpan();
        return Suffix(name, "_bucket", out var family) ? Only(family, MetricType.Histogram, MetricType.Histogram)
            : Suffix(name, "_sum", out family) || Suffix(name, "_count", out family) ? Only(family, MetricType.Histogram, MetricType.Summary)
            : Suffix(name, "_total", out family) ? Only(family, MetricType.Counter, MetricType.Counter)
            : Suffix(name, "_created", out family) ? CreatedOf(family)
            : MetricType.Untyped;

        MetricType Only(ReadOnlySpan<char> familyName, MetricType a, MetricType b) =>
            types.TryGetValue(familyName, out var type) && (type == a || type == b) ? type : MetricType.Untyped;

        MetricType CreatedOf(ReadOnlySpan<char> familyName) =>
            types.TryGetValue(familyName, out var type) && type is MetricType.Counter or MetricType.Histogram or MetricType.Summary
                ? type : MetricType.Untyped;
    }

    private static bool Suffix(ReadOnlySpan<char> name, string suffix, out ReadOnlySpan<char> family)
    {
        var matches = name.Length > suffix.Length && name.EndsWith(suffix, StringComparison.Ordinal);
        family = matches ? name[..^suffix.Length] : default;
        return matches;
    }
}
