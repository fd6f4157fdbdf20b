using System.Security.Cryptography;
using System.Text;

namespace Aibench.Logs.Tailing;

/// <summary>Where reading a file stopped: persisted, so a restarted host resumes exactly there.</summary>
/// <param name="Offset">Bytes consumed: always just after a newline (or inside a line being skipped).</param>
/// <param name="Head"><c>K:hash</c> of the file's first K bytes (K ≤ 256, all read already); different bytes there mean the file was
/// replaced.</param>
/// <param name="SkippingLongLine">The rest of an over-long line is being skipped up to its newline.</param>
internal sealed record TailState(long Offset, string? Head, bool SkippingLongLine)
{
    public static readonly TailState Start = new(0, null, false);
}

/// <summary>What one read gave: complete lines, and the state to store with them.</summary>
internal sealed record TailRead(IReadOnlyList<string> Lines, TailState State, bool Restarted, bool Missing);

/// <summary>
/// Reads the complete lines added to a file since the stored state. A last line without its newline waits for it;
/// a truncated or replaced file is read again from the start; an over-long line is cut with a marker rather than
/// dropped; bytes that are not UTF-8 become U+FFFD and control characters other than tab are replaced, so binary
/// garbage never breaks a page or a JSON answer.
/// </summary>
internal static class LogFileReader
{
    public const int MaxLineBytes = 64 * 1024;
    public const string CutMarker = " … [aibench: line cut at 64 KiB]";
    private const int HeadBytes = 256;
    private const int ChunkBytes = 1024 * 1024;

    public static TailRead Read(string path, TailState state, int maxBytes = 8 * ChunkBytes)
    {
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            return new TailRead([], state, false, true);
        }

        using (file)
        {
            var restarted = false;
            if (file.Length < state.Offset || (state.Head is not null && Head(file, state.Head) != state.Head))
            {
                state = TailState.Start;
                restarted = true;
            }

            var lines = new List<string>();
            var offset = state.Offset;
            var skipping = state.SkippingLongLine;
            var end = Math.Min(file.Length, offset + maxBytes);
            file.Position = offset;
            var buffer = new byte[(int)Math.Min(Math.Max(end - offset, 0), ChunkBytes) + MaxLineBytes];
            var filled = 0;
            long bufferStart = offset;
            while (file.Position < end)
            {
                var n = file.Read(buffer, filled, (int)Math.Min(buffer.Length - filled, end - file.Position));
                if (n <= 0) break;
                filled += n;
                var consumed = 0;
                while (true)
                {
                    var newline = Array.IndexOf(buffer, (byte)'\n', consumed, filled - consumed);
                    if (newline < 0)
                    {
                        if (filled - consumed >= MaxLineBytes)
                        {
                            if (!skipping)
                            {
                                lines.Add(Decode(buffer, consumed, MaxLineBytes) + CutMarker);
                            }

                            skipping = true;
                            consumed = filled;
                        }

                        break;
                    }

                    if (!skipping)
                    {
                        lines.Add(newline - consumed > MaxLineBytes
                            ? Decode(buffer, consumed, MaxLineBytes) + CutMarker
                            : Decode(buffer, consumed, newline - consumed));
                    }

                    skipping = false;
                    consumed = newline + 1;
                }

                bufferStart += consumed;
                Array.Copy(buffer, consumed, buffer, 0, filled - consumed);
                filled -= consumed;
            }

            // Whatever is left in the buffer is an unfinished line: the next read starts at it.
            offset = bufferStart;
            var stored = state.Head is { } h && int.Parse(h[..h.IndexOf(':')], System.Globalization.CultureInfo.InvariantCulture) >= HeadBytes
                ? h
                : offset > 0 ? Head(file, (int)Math.Min(HeadBytes, offset)) : null;
            return new TailRead(lines, new TailState(offset, stored, skipping), restarted, false);
        }
    }

    /// <summary>The head of the file over as many bytes as the stored head covers.</summary>
    private static string Head(FileStream file, string stored) =>
        Head(file, int.Parse(stored[..stored.IndexOf(':')], System.Globalization.CultureInfo.InvariantCulture));

    private static string Head(FileStream file, int length)
    {
        var bytes = new byte[(int)Math.Min(length, file.Length)];
        file.Position = 0;
        file.ReadExactly(bytes);
        return $"{length}:{Convert.ToHexString(SHA256.HashData(bytes))}";
    }

    private static string Decode(byte[] buffer, int start, int length)
    {
        if (length > 0 && buffer[start + length - 1] == '\r') length--;
        var text = Encoding.UTF8.GetString(buffer, start, length);
        if (!text.Any(c => char.IsControl(c) && c != '\t')) return text;
        var clean = new StringBuilder(text.Length);
        foreach (var c in text) clean.Append(char.IsControl(c) && c != '\t' ? '\uFFFD' : c);
        return clean.ToString();
    }
}
