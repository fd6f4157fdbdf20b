using System.Globalization;
using System.Text.RegularExpressions;

namespace Aibench.Shared.Text;

/// <summary>Durations as people write them in recipes, flags and forms: <c>500ms</c>, <c>5s</c>, <c>15m</c>, <c>2h</c>, <c>1d</c>, or plain
/// seconds.</summary>
public static partial class Duration
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var match = Pattern().Match(text.Trim());
        if (!match.Success || !double.TryParse(match.Groups["n"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
        {
            return false;
        }

        var seconds = match.Groups["unit"].Value switch
        {
            "ms" => n / 1000,
            "" or "s" => n,
            "m" => n * 60,
            "h" => n * 3600,
            "d" => n * 86400,
            _ => double.NaN,
        };
        if (double.IsNaN(seconds) || seconds < 0 || seconds > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            return false;
        }

        value = TimeSpan.FromSeconds(seconds);
        return true;
    }

    public static string Format(TimeSpan value) =>
        value.TotalMilliseconds < 1000 ? $"{value.TotalMilliseconds:0.###}ms"
        : value.TotalSeconds < 60 ? $"{value.TotalSeconds:0.###}s"
        : value.TotalMinutes < 60 ? $"{value.TotalMinutes:0.##}m"
        : $"{value.TotalHours:0.##}h";

    [GeneratedRegex(@"^(?<n>\d+(\.\d+)?)\s*(?<unit>ms|s|m|h|d)?$")]
    private static partial Regex Pattern();
}
