namespace Aibench.Monitor.Query;

internal readonly record struct Point(long TimestampMs, double Value);

/// <summary>
/// PromQL-style derived series for charts, with Prometheus 3's semantics (left-open ranges, promql/functions.go
/// extrapolatedRate, promql/quantile.go bucketQuantile). Output series never hold NaN: charts and JSON cannot draw it,
/// so such a step is left out.
/// </summary>
internal static class PromFunctions
{
    // Prometheus refuses more than 11,000 points per series; well above that is a caller's bug, not a chart.
    private const long MaxSteps = 1_000_000;

    // promql/quantile.go smallDeltaTolerance: bucket counts this close are float noise, not a decrease.
    private const double SmallDeltaTolerance = 1e-12;

    /// <summary>Evaluation times from..to (inclusive of from, stepping by step).</summary>
    public static IReadOnlyList<long> Steps(long fromMs, long toMs, long stepMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stepMs);
        if (toMs < fromMs) return [];
        var count = (toMs - fromMs) / stepMs + 1;
        if (count > MaxSteps) throw new ArgumentException($"{count} steps; at most {MaxSteps}.", nameof(stepMs));
        var steps = new long[count];
        for (var i = 0; i < steps.Length; i++) steps[i] = fromMs + i * stepMs;
        return steps;
    }

    /// <summary>
    /// PromQL rate(x[window]) of one counter series (points sorted by time), evaluated at each step time: per-second
    /// average increase over (t-window, t], counter resets handled (a drop means the counter restarted from 0),
    /// extrapolated to the window edges like Prometheus' extrapolatedRate. NaN → point left out; fewer than 2 samples
    /// in the window → no point.
    /// </summary>
    public static IReadOnlyList<Point> Rate(IReadOnlyList<Point> series, IReadOnlyList<long> steps, long windowMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(windowMs);
        var result = new List<Point>(steps.Count);
        // [first, end) are the samples in the window; both only move forward while the steps ascend.
        int first = 0, end = 0;
        var previous = long.MinValue;
        foreach (var t in steps)
        {
            if (t < previous) first = end = 0;
            previous = t;
            var rangeStart = t - windowMs;
            while (end < series.Count && series[end].TimestampMs <= t) end++;
            while (first < end && series[first].TimestampMs <= rangeStart) first++;
            if (end - first < 2) continue;
            var rate = ExtrapolatedRate(series, first, end, rangeStart, t, windowMs);
            if (!double.IsNaN(rate)) result.Add(new Point(t, rate));
        }

        return result;
    }

    // promql/functions.go extrapolatedRate for floats with isCounter and isRate, statement for statement so that
    // results match Prometheus' to the bit.
    private static double ExtrapolatedRate(IReadOnlyList<Point> samples, int first, int end, long rangeStart, long rangeEnd, long windowMs)
    {
        var last = end - 1;
        var numSamplesMinusOne = end - first - 1;
        var result = samples[last].Value - samples[first].Value;
        var lastValue = 0.0;
        for (var i = first; i < end; i++)
        {
            var value = samples[i].Value;
            if (value < lastValue) result += lastValue;
            lastValue = value;
        }

        var firstT = samples[first].TimestampMs;
        var lastT = samples[last].TimestampMs;
        var durationToStart = (firstT - rangeStart) / 1000.0;
        var durationToEnd = (rangeEnd - lastT) / 1000.0;
        var sampledInterval = (lastT - firstT) / 1000.0;
        var averageDurationBetweenSamples = sampledInterval / numSamplesMinusOne;

        // A sample missing where one would be expected at an edge means the series starts or ends inside the window:
        // extrapolate only half an interval past the sample there.
        var extrapolationThreshold = averageDurationBetweenSamples * 1.1;
        var extrapolateToInterval = sampledInterval;
        if (durationToStart >= extrapolationThreshold) durationToStart = averageDurationBetweenSamples / 2;
        if (result > 0 && samples[first].Value >= 0)
        {
            // Counters are never negative: extrapolate back no further than to where the slope reaches zero.
            var durationToZero = sampledInterval * (samples[first].Value / result);
            if (durationToZero < durationToStart) durationToStart = durationToZero;
        }

        extrapolateToInterval += durationToStart;
        if (durationToEnd >= extrapolationThreshold) durationToEnd = averageDurationBetweenSamples / 2;
        extrapolateToInterval += durationToEnd;

        var factor = extrapolateToInterval / sampledInterval;
        factor /= windowMs / 1000.0;
        return result * factor;
    }

    /// <summary>PromQL instant-vector lookup at each step (last sample at or before t within lookbackMs, default 5 min), for gauges.</summary>
    /// <remarks>As in Prometheus 3 the lookback is left-open: a sample exactly lookbackMs old no longer counts.</remarks>
    public static IReadOnlyList<Point> Instant(IReadOnlyList<Point> series, IReadOnlyList<long> steps, long lookbackMs = 300_000)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(lookbackMs);
        var result = new List<Point>(steps.Count);
        var end = 0;
        var previous = long.MinValue;
        foreach (var t in steps)
        {
            if (t < previous) end = 0;
            previous = t;
            while (end < series.Count && series[end].TimestampMs <= t) end++;
            if (end == 0) continue;
            var sample = series[end - 1];
            if (sample.TimestampMs > t - lookbackMs && !double.IsNaN(sample.Value)) result.Add(new Point(t, sample.Value));
        }

        return result;
    }

    /// <summary>Sum of several aligned series (same step times; a step missing in some series sums what is there).</summary>
    public static IReadOnlyList<Point> Sum(IEnumerable<IReadOnlyList<Point>> series)
    {
        var sums = new Dictionary<long, double>();
        foreach (var one in series)
        {
            foreach (var point in one)
            {
                sums[point.TimestampMs] = sums.GetValueOrDefault(point.TimestampMs) + point.Value;
            }
        }

        var result = sums.Where(s => !double.IsNaN(s.Value)).Select(s => new Point(s.Key, s.Value)).ToList();
        result.Sort((a, b) => a.TimestampMs.CompareTo(b.TimestampMs));
        return result;
    }

    /// <summary>
    /// histogram_quantile(q, buckets) as Prometheus computes it: buckets as (upper bound le, cumulative count), +Inf
    /// bucket required, sorted, monotonicity enforced, linear interpolation within the bucket, lowest bucket
    /// interpolated from 0 (unless its upper bound &lt;= 0), q&lt;0 → -Inf, q&gt;1 → +Inf, q NaN → NaN, count 0 → NaN,
    /// quantile falling in +Inf bucket → upper bound of the second-highest bucket.
    /// </summary>
    public static double HistogramQuantile(double q, IReadOnlyList<(double UpperBound, double Count)> buckets)
    {
        var copy = new (double UpperBound, double Count)[buckets.Count];
        for (var i = 0; i < copy.Length; i++) copy[i] = buckets[i];
        return BucketQuantile(q, copy);
    }

    /// <summary>Per step: histogram_quantile over bucket series (each already a rate or an instant series aligned to the same steps).</summary>
    public static IReadOnlyList<Point> HistogramQuantile(double q, IReadOnlyList<(double UpperBound, IReadOnlyList<Point> Series)> buckets)
    {
        var times = new List<long>();
        foreach (var bucket in buckets)
        {
            foreach (var point in bucket.Series) times.Add(point.TimestampMs);
        }

        times.Sort();
        var result = new List<Point>();
        var next = new int[buckets.Count];
        var scratch = new (double UpperBound, double Count)[buckets.Count];
        for (var k = 0; k < times.Count; k++)
        {
            var t = times[k];
            if (k > 0 && times[k - 1] == t) continue;
            var n = 0;
            for (var b = 0; b < buckets.Count; b++)
            {
                var series = buckets[b].Series;
                while (next[b] < series.Count && series[next[b]].TimestampMs < t) next[b]++;
                if (next[b] < series.Count && series[next[b]].TimestampMs == t) scratch[n++] = (buckets[b].UpperBound, series[next[b]].Value);
            }

            var value = BucketQuantile(q, scratch.AsSpan(0, n));
            if (!double.IsNaN(value)) result.Add(new Point(t, value));
        }

        return result;
    }

    // promql/quantile.go BucketQuantile; sorts and fixes up the buckets in place.
    private static double BucketQuantile(double q, Span<(double UpperBound, double Count)> buckets)
    {
        if (double.IsNaN(q)) return double.NaN;
        if (q < 0) return double.NegativeInfinity;
        if (q > 1) return double.PositiveInfinity;
        if (buckets.IsEmpty) return double.NaN;
        buckets.Sort((a, b) => a.UpperBound.CompareTo(b.UpperBound));
        if (!double.IsPositiveInfinity(buckets[^1].UpperBound)) return double.NaN;

        buckets = Coalesce(buckets);
        EnsureMonotonic(buckets);
        if (buckets.Length < 2) return double.NaN;
        var observations = buckets[^1].Count;
        if (observations == 0) return double.NaN;
        var rank = q * observations;
        // sort.Search over all but the +Inf bucket: the first bucket whose count reaches the rank.
        var b = 0;
        while (b < buckets.Length - 1 && buckets[b].Count < rank) b++;

        if (b == buckets.Length - 1) return buckets[^2].UpperBound;
        if (b == 0 && buckets[0].UpperBound <= 0) return buckets[0].UpperBound;
        var bucketStart = 0.0;
        var bucketEnd = buckets[b].UpperBound;
        var count = buckets[b].Count;
        if (b > 0)
        {
            bucketStart = buckets[b - 1].UpperBound;
            count -= buckets[b - 1].Count;
            rank -= buckets[b - 1].Count;
        }

        return bucketStart + (bucketEnd - bucketStart) * (rank / count);
    }

    /// <summary>Buckets with the same upper bound (e.g. from two series that differ only in a dropped label) add up.</summary>
    private static Span<(double UpperBound, double Count)> Coalesce(Span<(double UpperBound, double Count)> buckets)
    {
        var last = buckets[0];
        var i = 0;
        foreach (var bucket in buckets[1..])
        {
            if (bucket.UpperBound == last.UpperBound)
            {
                last.Count += bucket.Count;
            }
            else
            {
                buckets[i++] = last;
                last = bucket;
            }
        }

        buckets[i] = last;
        return buckets[..(i + 1)];
    }

    /// <summary>
    /// Cumulative counts can dip when buckets are scraped at slightly different moments or rated separately: a
    /// decrease is flattened, and float noise within the tolerance is ignored in either direction.
    /// </summary>
    private static void EnsureMonotonic(Span<(double UpperBound, double Count)> buckets)
    {
        var previous = buckets[0].Count;
        for (var i = 1; i < buckets.Length; i++)
        {
            var current = buckets[i].Count;
            if (current == previous) continue;
            if (AlmostEqual(previous, current, SmallDeltaTolerance) || current < previous)
            {
                buckets[i].Count = previous;
                continue;
            }

            previous = current;
        }
    }

    // util/almost.Equal.
    private static bool AlmostEqual(double a, double b, double epsilon)
    {
        const double minNormal = 2.2250738585072014e-308;
        if (double.IsNaN(a) && double.IsNaN(b)) return true;
        if (a == b) return true;
        var absSum = Math.Abs(a) + Math.Abs(b);
        var diff = Math.Abs(a - b);
        if (a == 0 || b == 0 || absSum < minNormal) return diff < epsilon * minNormal;
        return diff / Math.Min(absSum, double.MaxValue) < epsilon;
    }
}
