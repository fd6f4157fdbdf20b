using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;

namespace Aibench.Monitor.Scraping;

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
                if (i + 1 >= block.Length || block[i + 1] is not ((byte)'\\' or (byte)'"' or (byte)'n')) return
                    "invalid escape sequence in a label value";
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
