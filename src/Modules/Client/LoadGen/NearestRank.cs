namespace Aibench.Client.LoadGen;

/// <summary>Percentiles by nearest rank, as HdrHistogram reports latencies: the value at rank ⌈p/100 · n⌉ of n sorted values.</summary>
internal static class NearestRank
{
    /// <summary>The <paramref name="p"/>-th percentile (0–100) of values sorted ascending; the array must not be empty.</summary>
    public static double Of(IReadOnlyList<double> sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
}
