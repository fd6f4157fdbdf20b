using System.Globalization;

namespace Aibench.Shared.Components.Charts;

/// <summary>
/// Round-number axis ticks (1, 2, 5 × 10ⁿ; whole seconds, minutes and hours on time axes) and the labels for them,
/// with thousands separators. Pure functions: the same data gives the same axis on every page and in every report.
/// </summary>
public static class NiceScale
{
    private static readonly int[] TimeSteps =
        [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

    /// <summary>Ticks covering [min, max] with at most about <paramref name="most"/> steps; the range grows to the outer ticks.</summary>
    public static (double From, double To, double[] Ticks) Linear(double min, double max, int most = 5)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max))
        {
            (min, max) = (0, 1);
        }

        if (max < min)
        {
            (min, max) = (max, min);
        }

        if (max == min)
        {
            // A flat line: a band around it, not a zero-height axis (all-zero error lines give 0 to 1).
            (min, max) = min == 0 ? (0, 1) : (Math.Min(0, min * 2), Math.Max(0, max * 2));
        }

        var step = Nice((max - min) / Math.Max(1, most), round: true);
        var from = Math.Floor(min / step) * step;
        var to = Math.Ceiling(max / step) * step;
        var count = (int)Math.Round((to - from) / step);
        var ticks = Enumerable.Range(0, count + 1).Select(i => Clean(from + (i * step))).ToArray();
        return (from, to, ticks);
    }

    /// <summary>Decades covering the positive values; 2 and 5 between them when there are few decades.</summary>
    public static (double From, double To, double[] Ticks) Log(double min, double max)
    {
        if (!(min > 0) || !double.IsFinite(min)) min = max > 0 ? max / 10 : 1;
        if (!(max > 0) || !double.IsFinite(max)) max = min * 10;
        var low = Math.Floor(Math.Log10(min));
        var high = Math.Max(low + 1, Math.Ceiling(Math.Log10(max)));
        var ticks = new List<double>();
        for (var e = low; e <= high; e++)
        {
            var decade = Math.Pow(10, e);
            ticks.Add(Clean(decade));
            if (high - low <= 2 && e < high)
            {
                ticks.Add(Clean(2 * decade));
                ticks.Add(Clean(5 * decade));
            }
        }

        return (Math.Pow(10, low), Math.Pow(10, high), [.. ticks]);
    }

    /// <summary>Ticks on whole seconds, minutes or hours (x in Unix seconds), at most <paramref name="most"/> of them.</summary>
    public static (double From, double To, double[] Ticks, int Step) Time(double from, double to, int most = 6)
    {
        if (!(to > from))
        {
            to = from + 1;
        }

        var step = TimeSteps.FirstOrDefault(s => (to - from) / s <= Math.Max(1, most), 86400 * (int)Math.Ceiling((to - from) / 86400 / most));
        var first = Math.Ceiling(from / step) * step;
        var ticks = new List<double>();
        for (var t = first; t <= to + 1e-9; t += step)
        {
            ticks.Add(t);
        }

        return (from, to, [.. ticks], step);
    }

    /// <summary>A tick's label: thousands separators, as many decimals as the step needs, 1.5M for millions.</summary>
    public static string Label(double value, double step)
    {
        if (Math.Abs(value) >= 1e6 && step >= 1e5)
        {
            return (value / 1e6).ToString(step >= 1e6 ? "0.#" : "0.##", CultureInfo.InvariantCulture) + "M";
        }

        var decimals = step >= 1 || step <= 0 ? 0 : Math.Min(6, (int)Math.Ceiling(-Math.Log10(step) - 1e-9));
        return value.ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    /// <summary>A time tick's label in UTC: seconds shown only when the step is below a minute.</summary>
    public static string TimeLabel(double unixSeconds, int step) =>
        DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(unixSeconds * 1000)).UtcDateTime
            .ToString(step < 60 ? "HH:mm:ss" : "HH:mm", CultureInfo.InvariantCulture);

    /// <summary>A value as the hover readout shows it: three significant digits, thousands separators.</summary>
    public static string Value(double value)
    {
        if (value == 0 || !double.IsFinite(value)) return value.ToString(CultureInfo.InvariantCulture);
        var magnitude = (int)Math.Floor(Math.Log10(Math.Abs(value)));
        var decimals = Math.Clamp(2 - magnitude, 0, 6);
        return value.ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    private static double Nice(double range, bool round)
    {
        var exponent = Math.Floor(Math.Log10(range));
        var fraction = range / Math.Pow(10, exponent);
        var nice = round
            ? fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
            : fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
        return nice * Math.Pow(10, exponent);
    }

    // 0.1 + 0.2 and friends: ticks are printed, so they are rounded to what the step can mean.
    private static double Clean(double v) => Math.Round(v, 10);
}
