using System.Globalization;
using System.Text.RegularExpressions;

namespace Aibench.Logs.Tailing;

/// <summary>One stored entry: a line, or a Python traceback kept together.</summary>
internal sealed record LogEntry(string Text, string? Level, DateTimeOffset? Timestamp);

/// <summary>
/// Turns raw lines into entries: the level when the line says it (vLLM's <c>INFO 11-27 03:04:05 [api_server.py:1] …</c>,
/// Python logging's <c>2026-11-27 03:04:05,123 - name - WARNING - …</c>, <c>[error]</c> and similar), the time when the
/// line carries one, and a Python traceback with its frames and final exception as one entry so it reads as one.
/// </summary>
internal static partial class LineParser
{
    private const int MaxTracebackLines = 200;

    public static List<LogEntry> Parse(IReadOnlyList<string> lines, int year)
    {
        var entries = new List<LogEntry>(lines.Count);
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            if (line.StartsWith("Traceback (most recent call last):", StringComparison.Ordinal))
            {
                var start = i;
                // Frames are indented; the exception line that ends the traceback is not.
                while (i + 1 < lines.Count && i - start < MaxTracebackLines
                    && (lines[i + 1].StartsWith(' ') || lines[i + 1].StartsWith('\t') || lines[i + 1].Length == 0))
                {
                    i++;
                }

                if (i + 1 < lines.Count && i - start < MaxTracebackLines)
                {
                    i++;
                }

                entries.Add(new LogEntry(string.Join('\n', lines.Skip(start).Take(i - start + 1)), "error", null));
                continue;
            }

            entries.Add(new LogEntry(line, Level(line), Timestamp(line, year)));
        }

        return entries;
    }

    public static string? Level(string line)
    {
        var match = LevelPattern().Match(line.Length > 160 ? line[..160] : line);
        if (!match.Success) return null;
        return match.Groups["l"].Value.ToUpperInvariant() switch
        {
            "DEBUG" or "TRACE" => "debug",
            "INFO" or "NOTICE" => "info",
            "WARN" or "WARNING" => "warning",
            "ERROR" or "ERR" => "error",
            "CRITICAL" or "FATAL" => "critical",
            _ => null,
        };
    }

    public static DateTimeOffset? Timestamp(string line, int year)
    {
        var iso = IsoPattern().Match(line.Length > 80 ? line[..80] : line);
        if (iso.Success && DateTimeOffset.TryParse(iso.Value.Replace(',', '.'), CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t))
        {
            return t;
        }

        // vLLM prints month-day without a year: "INFO 11-27 03:04:05".
        var vllm = VllmPattern().Match(line.Length > 40 ? line[..40] : line);
        if (vllm.Success && DateTime.TryParseExact($"{year}-{vllm.Groups["md"].Value} {vllm.Groups["t"].Value}", "yyyy-MM-dd HH:mm:ss",
                CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d))
        {
            return new DateTimeOffset(d, TimeSpan.Zero);
        }

        return null;
    }

    [GeneratedRegex(@"^(?:\S+\s+){0,4}?[\[(<-]?\s*(?<l>DEBUG|TRACE|INFO|NOTICE|WARN|WARNING|ERROR|ERR|CRITICAL|FATAL)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex LevelPattern();

    [GeneratedRegex(@"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?")]
    private static partial Regex IsoPattern();

    [GeneratedRegex(@"^(?:DEBUG|INFO|WARNING|ERROR|CRITICAL)\s+(?<md>\d{2}-\d{2})\s+(?<t>\d{2}:\d{2}:\d{2})")]
    private static partial Regex VllmPattern();
}

/// <summary>Masks secret values (e.g. an HF token given as a recipe parameter) before a line is stored, streamed or forwarded.</summary>
internal static class Redactor
{
    public const string Mask = "****";

    public static string Apply(string text, IReadOnlyList<string> secrets)
    {
        foreach (var secret in secrets)
        {
            // Very short values would mask ordinary words; recipes mark tokens, which are long.
            if (secret.Length >= 4 && text.Contains(secret, StringComparison.Ordinal))
            {
                text = text.Replace(secret, Mask, StringComparison.Ordinal);
            }
        }

        return text;
    }
}
