using Aibench.Shared.Components.Charts;

namespace Aibench.Shared.Components;

/// <summary>One value of a line at one time.</summary>
public readonly record struct TimePoint(DateTimeOffset T, double V);

/// <summary>A named line before it is laid on a chart's time grid.</summary>
public sealed record TimeLine(string Name, IReadOnlyList<TimePoint> Points);

/// <summary>
/// Lays lines from different sources (the load's progress, the Client's per-second series, Monitor's scrapes) on one
/// wall-clock grid, so that a chart's lines line up whatever their source; the result is a <see cref="Chart"/> with a
/// time axis, every line with a value or a gap at each grid step.
/// </summary>
public static class TimeChart
{
    /// <summary>The x axis of every time chart: wall-clock time, in UTC as every time on the dashboard.</summary>
    public static readonly ChartAxis Axis = new("time", "UTC", AxisKind.Time);

    // An SVG path with a point per second of an hour-long run is heavy for the browser and unreadable: neighbouring
    // points are averaged into at most this many buckets.
    public const int MaxPoints = 240;

    public static Chart Empty(ChartAxis y) => new(Axis, y, []);

    public static Chart Build(IEnumerable<TimeLine> lines, ChartAxis y)
    {
        var kept = lines.Where(l => l.Points.Count > 0).ToList();
        if (kept.Count == 0)
        {
            return Empty(y);
        }

        var from = kept.Min(l => l.Points.Min(p => p.T));
        var to = kept.Max(l => l.Points.Max(p => p.T));
        var bucket = TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling((to - from).TotalSeconds / MaxPoints)));
        var count = (int)((to - from) / bucket) + 1;
        var built = new List<ChartLine>(kept.Count);
        foreach (var line in kept)
        {
            var sums = new double[count];
            var counts = new int[count];
            foreach (var p in line.Points.Where(p => double.IsFinite(p.V)))
            {
                var i = Math.Clamp((int)((p.T - from) / bucket), 0, count - 1);
                sums[i] += p.V;
                counts[i]++;
            }

            var values = new double?[count];
            for (var i = 0; i < count; i++)
            {
                values[i] = counts[i] == 0 ? null : Math.Round(sums[i] / counts[i], 3);
            }

            Bridge(values);
            built.Add(new ChartLine(line.Name,
                [.. values.Select((v, i) => new ChartPoint((from + (bucket * i)).ToUnixTimeMilliseconds() / 1000.0, v))]));
        }

        return new Chart(Axis, y, built);
    }

    /// <summary>
    /// Draws straight across the buckets a line has no point in between two it has. Sources tick at their own pace
    /// (progress about every second with jitter, scrapes every few seconds), so on a finer grid a line would otherwise
    /// fall apart into dots; before its first and after its last point it stays empty.
    /// </summary>
    private static void Bridge(double?[] values)
    {
        var last = -1;
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] is not { } v)
            {
                continue;
            }

            if (last >= 0 && i - last > 1)
            {
                var start = values[last]!.Value;
                for (var j = last + 1; j < i; j++)
                {
                    values[j] = Math.Round(start + ((v - start) * (j - last) / (i - last)), 3);
                }
            }

            last = i;
        }
    }
}
