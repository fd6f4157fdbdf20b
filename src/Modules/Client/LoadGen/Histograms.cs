using HdrHistogram;

namespace Aibench.Client.LoadGen;

/// <summary>Microsecond histograms: three significant digits up to a day, which covers the longest request timeout.</summary>
internal static class Histograms
{
    public const long MaxUs = 86_400_000_000L;

    public static LongHistogram New() => new(MaxUs, 3);

    public static void Record(this LongHistogram histogram, long valueUs) => histogram.RecordValue(Math.Clamp(valueUs, 0, MaxUs));
}
