using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;

namespace Aibench.Monitor.Scraping;

internal enum MetricType { Untyped, Counter, Gauge, Histogram, Summary }

/// <summary>
/// One sample: metric name as written (e.g. vllm:time_to_first_token_seconds_bucket), labels in canonical text form
/// sorted by label name with values escaped (e.g. {le="0.5",model_name="m"}; "" when none), value, optional timestamp
/// (ms since epoch).
/// </summary>
internal readonly record struct ParsedSample(string Name, string Labels, double Value, long? TimestampMs);

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

/// <summary>
/// The Prometheus text exposition format 0.0.4, tolerating OpenMetrics text (exemplars, # EOF, unknown/info types,
/// fractional timestamps in seconds). A line that does not parse is counted and skipped; the rest still count.
/// </summary>
internal static class ExpositionParser
{
    private const int MaxExamples = 5;

    private static readonly SearchValues<byte> MetricNameChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:"u8);

    private static readonly SearchValues<byte> LabelNameChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"u8);

    private static readonly SearchValues<byte> Blanks = SearchValues.Create(" \t"u8);

    // Scrapers parse the same exposition every few seconds: the same name and label bytes map to the same strings,
    // which skips decoding and canonicalising and lets stored samples share their strings. Per thread, so no locks.
    [ThreadStatic] private static Scratch? t_scratch;

    public static Exposition Parse(string text) => Parse(Encoding.UTF8.GetBytes(text));

    /// <summary>Forgets this thread's cached strings, so that the benchmark can measure a first scrape too.</summary>
    internal static void ForgetCachedStrings() => t_scratch = null;

    /// <summary>The main path: scrapers read bytes.</summary>
    public static Exposition Parse(ReadOnlySpan<byte> utf8)
    {
        var scratch = t_scratch ??= new Scratch();
        var result = new Exposition();
        // Lines bound the sample count; one count pass is far cheaper than the list growing by doubling.
        result.Samples.Capacity = utf8.Count((byte)'\n') + 1;
        var lineNumber = 0;
        while (!utf8.IsEmpty)
        {
            lineNumber++;
            var newline = utf8.IndexOf((byte)'\n');
            var line = newline < 0 ? utf8 : utf8[..newline];
            utf8 = newline < 0 ? default : utf8[(newline + 1)..];
            if (!line.IsEmpty && line[^1] == (byte)'\r') line = line[..^1];

            var eof = false;
            var error = ParseLine(line, result, scratch, ref eof);
            if (eof) break;
            if (error is null) continue;
            result.Malformed++;
            if (result.MalformedExamples.Count < MaxExamples) result.MalformedExamples.Add($"line {lineNumber}: {error}");
        }

        return result;
    }

    private static string? ParseLine(ReadOnlySpan<byte> line, Exposition result, Scratch scratch, ref bool eof)
    {
        var i = SkipBlanks(line, 0);
        if (i == line.Length) return null;
        if (line[i] == (byte)'#') return ParseComment(line[(i + 1)..], result, scratch, ref eof);

        var nameLength = MetricNameLength(line[i..]);
        if (nameLength == 0) return "invalid metric name";
        var name = scratch.Ascii(line.Slice(i, nameLength));
        i += nameLength;
        if (i < line.Length && line[i] != (byte)'{' && !IsBlank(line[i])) return "invalid metric name";
        i = SkipBlanks(line, i);

        var labels = "";
        if (i < line.Length && line[i] == (byte)'{')
        {
            var end = LabelBlockEnd(line, i);
            if (end < 0) return "unterminated label set";
            var block = line[i..(end + 1)];
            if (!scratch.Strings.TryGetValue(block, out var cached))
            {
                var error = LabelBlock.Canonical(block, scratch, out cached);
                if (error is not null) return error;
                scratch.Add(block, cached);
            }

            labels = cached;
            i = SkipBlanks(line, end + 1);
        }

        var valueToken = Token(line, i);
        if (valueToken.IsEmpty) return "missing value";
        if (!TryParseValue(valueToken, out var value)) return "invalid value";
        i = SkipBlanks(line, i + valueToken.Length);

        long? timestamp = null;
        if (i < line.Length && line[i] != (byte)'#')
        {
            var timestampToken = Token(line, i);
            if (!TryParseTimestamp(timestampToken, out var ms)) return "invalid timestamp";
            timestamp = ms;
            i = SkipBlanks(line, i + timestampToken.Length);
        }

        // An OpenMetrics exemplar ("# {trace_id="abc"} 0.5 1.7e9") may follow; it describes one observation, not the series.
        if (i < line.Length && line[i] != (byte)'#') return "unexpected text after the sample";

        result.Samples.Add(new ParsedSample(name, labels, value, timestamp));
        return null;
    }

    private static string? ParseComment(ReadOnlySpan<byte> rest, Exposition result, Scratch scratch, ref bool eof)
    {
        var i = SkipBlanks(rest, 0);
        var keyword = Token(rest, i);
        var isHelp = keyword.SequenceEqual("HELP"u8);
        if (!isHelp && !keyword.SequenceEqual("TYPE"u8))
        {
            if (keyword.SequenceEqual("EOF"u8) && SkipBlanks(rest, i + keyword.Length) == rest.Length) eof = true;
            return null;
        }

        i = SkipBlanks(rest, i + keyword.Length);
        var nameLength = MetricNameLength(rest[i..]);
        if (nameLength == 0 || (i + nameLength < rest.Length && !IsBlank(rest[i + nameLength]))) return $"invalid metric name in # {(isHelp ? "HELP" : "TYPE")}";
        var name = scratch.Ascii(rest.Slice(i, nameLength));
        i = SkipBlanks(rest, i + nameLength);

        if (isHelp)
        {
            var text = rest[i..];
            if (!Utf8.IsValid(text)) return "invalid UTF-8 in # HELP";
            result.Help[name] = UnescapeHelp(text);
            return null;
        }

        var typeToken = Token(rest, i);
        if (SkipBlanks(rest, i + typeToken.Length) != rest.Length) return "unexpected text after # TYPE";
        if (!TryParseType(typeToken, out var type)) return "unknown metric type";
        result.Types[name] = type;
        return null;
    }

    private static bool TryParseType(ReadOnlySpan<byte> token, out MetricType type)
    {
        Span<byte> lower = stackalloc byte[16];
        if (token.IsEmpty || token.Length > lower.Length)
        {
            type = default;
            return false;
        }

        Ascii.ToLower(token, lower, out var written);
        lower = lower[..written];
        type = lower switch
        {
            _ when lower.SequenceEqual("counter"u8) => MetricType.Counter,
            _ when lower.SequenceEqual("gauge"u8) => MetricType.Gauge,
            _ when lower.SequenceEqual("histogram"u8) => MetricType.Histogram,
            _ when lower.SequenceEqual("summary"u8) => MetricType.Summary,
            _ => MetricType.Untyped,
        };
        // OpenMetrics-only types have no equivalent here; their samples are still kept, untyped.
        return type != MetricType.Untyped || lower.SequenceEqual("untyped"u8) || lower.SequenceEqual("unknown"u8)
               || lower.SequenceEqual("info"u8) || lower.SequenceEqual("stateset"u8) || lower.SequenceEqual("gaugehistogram"u8);
    }

    private static string UnescapeHelp(ReadOnlySpan<byte> text)
    {
        if (text.IndexOf((byte)'\\') < 0) return Encoding.UTF8.GetString(text);
        var bytes = new byte[text.Length];
        var n = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var b = text[i];
            if (b == (byte)'\\' && i + 1 < text.Length && text[i + 1] is (byte)'\\' or (byte)'n' or (byte)'"')
            {
                i++;
                b = text[i] == (byte)'n' ? (byte)'\n' : text[i];
            }

            // Any other backslash stays as written: HELP is for people, not worth losing a line over.
            bytes[n++] = b;
        }

        return Encoding.UTF8.GetString(bytes, 0, n);
    }

    internal static bool TryParseValue(ReadOnlySpan<byte> token, out double value)
    {
        // Most values are bucket counts: up to 15 digits are exact in a double, and this is several times faster.
        if (token.Length is > 0 and <= 15 && token.IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0)
        {
            long integer = 0;
            foreach (var digit in token) integer = integer * 10 + (digit - '0');
            value = integer;
            return true;
        }

        // Go's ParseFloat (what Prometheus uses) takes Inf/+Inf/-Inf/Infinity and NaN in any case; .NET lacks "Inf".
        var unsigned = token[0] is (byte)'+' or (byte)'-' ? token[1..] : token;
        if (!unsigned.IsEmpty && (unsigned[0] | 0x20) is (byte)'i' or (byte)'n')
        {
            if (Ascii.EqualsIgnoreCase(unsigned, "inf"u8) || Ascii.EqualsIgnoreCase(unsigned, "infinity"u8))
            {
                value = token[0] == (byte)'-' ? double.NegativeInfinity : double.PositiveInfinity;
                return true;
            }

            value = double.NaN;
            return unsigned.Length == token.Length && Ascii.EqualsIgnoreCase(unsigned, "nan"u8);
        }

        // Out-of-range literals become ±Inf (.NET's rule) where Go would error: a value is better kept than dropped.
        return double.TryParse(token, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
            CultureInfo.InvariantCulture, out value);
    }

    private static bool TryParseTimestamp(ReadOnlySpan<byte> token, out long ms)
    {
        if (long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out ms)) return true;
        // A fraction means OpenMetrics, whose timestamps are seconds; Prometheus 0.0.4 timestamps are integer ms.
        if (token.IndexOfAny((byte)'.', (byte)'e', (byte)'E') >= 0
            && double.TryParse(token, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
                CultureInfo.InvariantCulture, out var seconds)
            && double.IsFinite(seconds) && Math.Abs(seconds) < 9e15)
        {
            ms = (long)Math.Round(seconds * 1000);
            return true;
        }

        ms = 0;
        return false;
    }

    /// <summary>Length of a valid metric name at the start of <paramref name="s"/>; 0 when there is none.</summary>
    private static int MetricNameLength(ReadOnlySpan<byte> s)
    {
        var length = s.IndexOfAnyExcept(MetricNameChars);
        if (length < 0) length = s.Length;
        return length > 0 && !char.IsAsciiDigit((char)s[0]) ? length : 0;
    }

    internal static int LabelNameLength(ReadOnlySpan<byte> s)
    {
        var length = s.IndexOfAnyExcept(LabelNameChars);
        if (length < 0) length = s.Length;
        return length > 0 && !char.IsAsciiDigit((char)s[0]) ? length : 0;
    }

    /// <summary>Index of the '}' closing the label set opened at <paramref name="open"/>, skipping quoted values; -1 if none.</summary>
    private static int LabelBlockEnd(ReadOnlySpan<byte> line, int open)
    {
        var i = open + 1;
        while (i < line.Length)
        {
            var next = line[i..].IndexOfAny((byte)'"', (byte)'}');
            if (next < 0) return -1;
            i += next;
            if (line[i] == (byte)'}') return i;
            i++;
            // Inside a quoted value: only an unescaped quote ends it.
            while (true)
            {
                next = line[i..].IndexOfAny((byte)'"', (byte)'\\');
                if (next < 0) return -1;
                i += next;
                if (line[i] == (byte)'"') break;
                i += 2;
                if (i >= line.Length) return -1;
            }

            i++;
        }

        return -1;
    }

    private static ReadOnlySpan<byte> Token(ReadOnlySpan<byte> line, int start)
    {
        if (start >= line.Length) return default;
        var rest = line[start..];
        var end = rest.IndexOfAny(Blanks);
        return end < 0 ? rest : rest[..end];
    }

    internal static int SkipBlanks(ReadOnlySpan<byte> line, int i)
    {
        if (i >= line.Length) return line.Length;
        var skipped = line[i..].IndexOfAnyExcept(Blanks);
        return skipped < 0 ? line.Length : i + skipped;
    }

    private static bool IsBlank(byte b) => b is (byte)' ' or (byte)'\t';

    /// <summary>Per-thread reusable state: the string cache and the label-pair buffer.</summary>
    internal sealed class Scratch
    {
        // Bounded so that a target whose label values churn (ids, timestamps) cannot grow it without end.
        private const int MaxStrings = 4096;

        private readonly Dictionary<byte[], string> _strings = new(ByteKeyComparer.Instance);

        public Scratch() => Strings = _strings.GetAlternateLookup<ReadOnlySpan<byte>>();

        public Dictionary<byte[], string>.AlternateLookup<ReadOnlySpan<byte>> Strings { get; }

        public List<LabelBlock.Pair> Pairs { get; } = [];

        public ArrayBufferWriter<byte> Buffer { get; } = new(256);

        public string Ascii(ReadOnlySpan<byte> bytes)
        {
            if (Strings.TryGetValue(bytes, out var s)) return s;
            s = Encoding.ASCII.GetString(bytes);
            Add(bytes, s);
            return s;
        }

        public void Add(ReadOnlySpan<byte> key, string value)
        {
            if (_strings.Count >= MaxStrings) _strings.Clear();
            Strings.TryAdd(key, value);
        }
    }

    private sealed class ByteKeyComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly ByteKeyComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => Hash(obj);

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();

        private static int Hash(ReadOnlySpan<byte> bytes)
        {
            var hash = new HashCode();
            hash.AddBytes(bytes);
            return hash.ToHashCode();
        }
    }
}

/// <summary>A label set as written between braces, e.g. <c>{le="0.5", model_name="m",}</c>.</summary>
internal static class LabelBlock
{
    internal readonly record struct Pair(int NameStart, int NameLength, int ValueStart, int ValueLength);

    /// <summary>Reads the pairs (raw, still escaped values) of <paramref name="block"/>; an error text when it is invalid.</summary>
    public static string? Read(ReadOnlySpan<byte> block, List<Pair> pairs, out bool canonical)
    {
        pairs.Clear();
        canonical = true;
        var i = 1;
        while (true)
        {
            var start = i;
            i = ExpositionParser.SkipBlanks(block, i);
            if (i != start) canonical = false;
            if (i >= block.Length) return "unterminated label set";
            if (block[i] == (byte)'}')
            {
                // A trailing comma ("{a="1",}") is valid but not canonical.
                if (pairs.Count > 0) canonical = false;
                break;
            }

            var nameLength = ExpositionParser.LabelNameLength(block[i..]);
            if (nameLength == 0) return "invalid label name";
            var nameStart = i;
            i = ExpositionParser.SkipBlanks(block, i + nameLength);
            if (i >= block.Length || block[i] != (byte)'=') return "expected '=' after a label name";
            if (i != nameStart + nameLength) canonical = false;
            var equals = i;
            i = ExpositionParser.SkipBlanks(block, i + 1);
            if (i >= block.Length || block[i] != (byte)'"') return "expected a quoted label value";
            if (i != equals + 1) canonical = false;

            var valueStart = ++i;
            while (true)
            {
                var next = block[i..].IndexOfAny((byte)'"', (byte)'\\');
                if (next < 0) return "unterminated label value";
                i += next;
                if (block[i] == (byte)'"') break;
                if (i + 1 >= block.Length || block[i + 1] is not ((byte)'\\' or (byte)'"' or (byte)'n')) return "invalid escape sequence in a label value";
                i += 2;
            }

            var pair = new Pair(nameStart, nameLength, valueStart, i - valueStart);
            if (pairs.Count > 0 && Name(block, pairs[^1]).SequenceCompareTo(Name(block, pair)) >= 0) canonical = false;
            // Prometheus treats a label with an empty value as absent.
            if (pair.ValueLength == 0) canonical = false;
            pairs.Add(pair);

            start = ++i;
            i = ExpositionParser.SkipBlanks(block, i);
            if (i != start) canonical = false;
            if (i >= block.Length) return "unterminated label set";
            if (block[i] == (byte)',')
            {
                i++;
                continue;
            }

            if (block[i] != (byte)'}') return "expected ',' or '}' in a label set";
            break;
        }

        if (i != block.Length - 1) return "unexpected text after a label set";
        return Utf8.IsValid(block) ? null : "invalid UTF-8 in a label value";
    }

    /// <summary>The canonical text of <paramref name="block"/>: pairs sorted by name, no blanks, no empty values.</summary>
    public static string? Canonical(ReadOnlySpan<byte> block, ExpositionParser.Scratch scratch, out string labels)
    {
        labels = "";
        var pairs = scratch.Pairs;
        var error = Read(block, pairs, out var canonical);
        if (error is not null) return error;
        if (pairs.Count == 0) return null;
        if (canonical)
        {
            labels = Encoding.UTF8.GetString(block);
            return null;
        }

        // Insertion sort: label sets are short, and a comparison lambda cannot capture the span.
        var span = CollectionsMarshal.AsSpan(pairs);
        for (var k = 1; k < span.Length; k++)
        {
            var pair = span[k];
            var j = k - 1;
            for (; j >= 0 && Name(block, span[j]).SequenceCompareTo(Name(block, pair)) > 0; j--) span[j + 1] = span[j];
            span[j + 1] = pair;
        }

        for (var k = 1; k < span.Length; k++)
        {
            if (Name(block, span[k - 1]).SequenceEqual(Name(block, span[k]))) return "duplicate label name";
        }

        // Escaping is unique (only \\ \" \n are allowed), so the raw escaped values are already canonical.
        var buffer = scratch.Buffer;
        buffer.ResetWrittenCount();
        foreach (var pair in span)
        {
            if (pair.ValueLength == 0) continue;
            buffer.Write(buffer.WrittenCount == 0 ? "{"u8 : ","u8);
            buffer.Write(Name(block, pair));
            buffer.Write("=\""u8);
            buffer.Write(block.Slice(pair.ValueStart, pair.ValueLength));
            buffer.Write("\""u8);
        }

        if (buffer.WrittenCount == 0) return null;
        buffer.Write("}"u8);
        labels = Encoding.UTF8.GetString(buffer.WrittenSpan);
        return null;
    }

    public static ReadOnlySpan<byte> Name(ReadOnlySpan<byte> block, Pair pair) => block.Slice(pair.NameStart, pair.NameLength);

    public static string Value(ReadOnlySpan<byte> block, Pair pair)
    {
        var raw = block.Slice(pair.ValueStart, pair.ValueLength);
        if (raw.IndexOf((byte)'\\') < 0) return Encoding.UTF8.GetString(raw);
        var bytes = new byte[raw.Length];
        var n = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            var b = raw[i];
            if (b == (byte)'\\')
            {
                i++;
                b = raw[i] == (byte)'n' ? (byte)'\n' : raw[i];
            }

            bytes[n++] = b;
        }

        return Encoding.UTF8.GetString(bytes, 0, n);
    }
}

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
            if (ExpositionParser.LabelNameLength(Encoding.UTF8.GetBytes(name)) != name.Length) throw new ArgumentException($"'{name}' is not a label name.", nameof(labels));
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
