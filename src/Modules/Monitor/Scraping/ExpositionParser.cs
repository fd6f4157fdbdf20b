using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace Aibench.Monitor.Scraping;

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
        if (nameLength == 0 || (i + nameLength < rest.Length && !IsBlank(rest[i + nameLength]))) return
            $"invalid metric name in # {(isHelp ? "HELP" : "TYPE")}";
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
