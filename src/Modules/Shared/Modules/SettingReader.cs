using System.Globalization;
using Aibench.Shared.Text;
using Microsoft.Extensions.Configuration;

namespace Aibench.Shared.Modules;

/// <summary>Reads module settings; every bad value becomes one error naming its key, and the fallback is used.</summary>
public static class SettingReader
{
    public static void Unknown(IConfigurationSection section, string[] known, List<string> errors)
    {
        foreach (var child in section.GetChildren().Where(c => !known.Contains(c.Key, StringComparer.OrdinalIgnoreCase)))
        {
            errors.Add($"{child.Path}: unknown setting; expected one of {string.Join(", ", known.Select(k => $"{section.Path}:{k}"))}.");
        }
    }

    public static int Int(IConfiguration configuration, string key, int fallback, int min, int max, List<string> errors)
    {
        var text = configuration[key];
        if (text is null) return fallback;
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max) return v;
        errors.Add($"{key}: '{text}' is not a whole number from {min} to {max}.");
        return fallback;
    }

    public static TimeSpan Time(IConfiguration configuration, string key, TimeSpan fallback, List<string> errors)
    {
        var text = configuration[key];
        if (text is null) return fallback;
        if (Duration.TryParse(text, out var v) && v > TimeSpan.Zero) return v;
        errors.Add($"{key}: '{text}' is not a duration like 30s or 500ms.");
        return fallback;
    }

    public static bool Bool(IConfiguration configuration, string key, bool fallback, List<string> errors)
    {
        var text = configuration[key];
        if (text is null) return fallback;
        if (bool.TryParse(text, out var v)) return v;
        errors.Add($"{key}: '{text}' is not true or false.");
        return fallback;
    }

    /// <summary>A size such as <c>500MB</c>, <c>2GB</c> (powers of 1000), <c>1GiB</c> (powers of 1024) or a plain number of bytes.</summary>
    public static long Size(IConfiguration configuration, string key, long fallback, long min, List<string> errors)
    {
        var text = configuration[key];
        if (text is null) return fallback;
        var trimmed = text.Trim();
        var digits = trimmed.TakeWhile(c => char.IsAsciiDigit(c) || c == '.').Count();
        var unit = trimmed[digits..].Trim().ToUpperInvariant();
        long? multiplier = unit switch
        {
            "" or "B" => 1,
            "KB" => 1_000, "MB" => 1_000_000, "GB" => 1_000_000_000, "TB" => 1_000_000_000_000,
            "KIB" => 1L << 10, "MIB" => 1L << 20, "GIB" => 1L << 30, "TIB" => 1L << 40,
            _ => null,
        };
        if (multiplier is { } m && double.TryParse(trimmed[..digits], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)
            && number * m >= min && number * m <= long.MaxValue / 2)
        {
            return (long)(number * m);
        }

        errors.Add($"{key}: '{text}' is not a size of at least {min:N0} bytes, like 500MB, 2GB or 1GiB.");
        return fallback;
    }
}
