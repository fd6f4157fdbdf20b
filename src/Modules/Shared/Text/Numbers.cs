using System.Globalization;

namespace Aibench.Shared.Text;

/// <summary>How pages print numbers: invariant culture so a table reads the same on every browser, a dash for "not measured".</summary>
public static class Numbers
{
    public const string None = "–";

    /// <summary>
    /// A number with thousands separators (12,345.6), whatever decimals the format asks for: one number format on every
    /// page, so that 3685.9 and 3,686 never stand side by side.
    /// </summary>
    public static string N(double? value, string format = "0.##") =>
        value is { } v && double.IsFinite(v) ? v.ToString(Grouped(format), CultureInfo.InvariantCulture) : None;

    private static string Grouped(string format) => format.StartsWith('0') ? "#," + format : format;

    public static string N(long? value) => value is { } v ? v.ToString("N0", CultureInfo.InvariantCulture) : None;

    /// <summary>Milliseconds with fewer decimals as they grow: 0.123, 12.3, 1234.</summary>
    public static string Ms(double? value) => value switch
    {
        null => None,
        < 10 => N(value, "0.###"),
        < 1000 => N(value, "0.#"),
        _ => N(value, "N0"),
    };

    public static string Percent(double? fraction) => fraction is { } f ? N(f * 100, "0.#") + " %" : None;

    public static string Time(DateTimeOffset? at) => at?.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) ?? None;

    /// <summary>A list's time: ISO date and minutes in UTC (unambiguous in every locale); seconds are in the tooltip.</summary>
    public static string Short(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    public static string Seconds(double seconds) =>
        seconds < 120 ? N(seconds, "0.#") + " s" : TimeSpan.FromSeconds(Math.Round(seconds)).ToString(seconds < 3600 ? @"m\:ss" : @"h\:mm\:ss",
            CultureInfo.InvariantCulture);
}
