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
}
