using System.IO.Compression;
using System.Text;

namespace Aibench.Client.LoadGen;

/// <summary>
/// What a request produced that has no fixed size, kept beside the fixed-size <see cref="RequestRecord"/>s (aligned by
/// position with them) so that the records stay one flat array: the gaps between its successive content chunks (µs,
/// streaming runs only; vLLM's per-request <c>itls</c>) and, when the spec keeps them, its generated text (vLLM's
/// <c>generated_texts</c>).
/// </summary>
/// <param name="ChunkGapsUs">One array per request (empty when it had fewer than two content chunks); null when the run did not stream,
/// or was stored before aibench kept them.</param>
/// <param name="Texts">One text per request; null unless <c>keepTexts</c> asked for them.</param>
internal sealed record RequestDetails(int[]?[]? ChunkGapsUs, string?[]? Texts)
{
    /// <summary>Nothing kept: a run that did not stream and kept no texts.</summary>
    public static readonly RequestDetails None = new(null, null);

    private const byte FormatVersion = 1;

    /// <summary>The same details in another order: entry i of the result is entry <paramref name="order"/>[i] of this.</summary>
    public RequestDetails Reordered(IReadOnlyList<int> order) => new(
        ChunkGapsUs is { } gaps ? [.. order.Select(i => gaps[i])] : null,
        Texts is { } texts ? [.. order.Select(i => texts[i])] : null);

    /// <summary>The details of records [<paramref name="start"/>, start + <paramref name="count"/>), as a part is stored.</summary>
    public RequestDetails Slice(int start, int count) => new(ChunkGapsUs?[start..(start + count)], Texts?[start..(start + count)]);

    /// <summary>Every entry of several runs' details, in turn; a kind is kept only when every part has it.</summary>
    public static RequestDetails Concat(IReadOnlyList<RequestDetails> parts) => new(
        parts.Count > 0 && parts.All(p => p.ChunkGapsUs is not null) ? [.. parts.SelectMany(p => p.ChunkGapsUs!)] : null,
        parts.Count > 0 && parts.All(p => p.Texts is not null) ? [.. parts.SelectMany(p => p.Texts!)] : null);

    /// <summary>
    /// Gaps as 7-bit varints (most fit in two bytes), each request's count first, compressed: a 1000-token answer costs
    /// about 2 kB before compression instead of the 8 kB of a list of doubles.
    /// </summary>
    public static byte[] EncodeGaps(IReadOnlyList<int[]?> gaps)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZLibStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var w = new BinaryWriter(zip))
        {
            w.Write(FormatVersion);
            w.Write(gaps.Count);
            foreach (var request in gaps)
            {
                w.Write7BitEncodedInt(request?.Length ?? 0);
                foreach (var gap in request ?? [])
                {
                    w.Write7BitEncodedInt(Math.Max(0, gap));
                }
            }
        }

        return buffer.ToArray();
    }

    public static int[][] DecodeGaps(byte[] data)
    {
        using var zip = new ZLibStream(new MemoryStream(data), CompressionMode.Decompress);
        using var r = new BinaryReader(zip);
        CheckVersion(r.ReadByte(), "inter-token gaps");
        var gaps = new int[r.ReadInt32()][];
        for (var i = 0; i < gaps.Length; i++)
        {
            var request = new int[r.Read7BitEncodedInt()];
            for (var k = 0; k < request.Length; k++)
            {
                request[k] = r.Read7BitEncodedInt();
            }

            gaps[i] = request;
        }

        return gaps;
    }

    /// <summary>Texts as length-prefixed UTF-8, compressed (generated text compresses several times).</summary>
    public static byte[] EncodeTexts(IReadOnlyList<string?> texts)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZLibStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var w = new BinaryWriter(zip, Encoding.UTF8))
        {
            w.Write(FormatVersion);
            w.Write(texts.Count);
            foreach (var text in texts)
            {
                w.Write(text ?? "");
            }
        }

        return buffer.ToArray();
    }

    public static string[] DecodeTexts(byte[] data)
    {
        using var zip = new ZLibStream(new MemoryStream(data), CompressionMode.Decompress);
        using var r = new BinaryReader(zip, Encoding.UTF8);
        CheckVersion(r.ReadByte(), "generated texts");
        var texts = new string[r.ReadInt32()];
        for (var i = 0; i < texts.Length; i++)
        {
            texts[i] = r.ReadString();
        }

        return texts;
    }

    private static void CheckVersion(byte version, string what)
    {
        if (version != FormatVersion)
        {
            throw new InvalidDataException($"{what} in format {version}; this aibench reads format {FormatVersion}");
        }
    }
}
