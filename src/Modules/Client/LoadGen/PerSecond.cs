namespace Aibench.Client.LoadGen;

/// <summary>The per-second columns a run records; the numbers are the column index.</summary>
internal enum SecondColumn
{
    Sent,
    Completed,
    Errors,
    InputTokens,
    OutputTokens,
    InFlightMax,
    TtftSumUs,
    TtftCount,
    E2eSumUs,
    E2eCount,
}

/// <summary>
/// Lock-free per-second counters: each token of each stream adds to the current second without contention
/// beyond an interlocked add. Seconds live in fixed segments so that growing never moves a counter being written.
/// </summary>
internal sealed class PerSecond
{
    private const int SegmentSeconds = 1024;
    private static readonly int Columns = Enum.GetValues<SecondColumn>().Length;
    private readonly long[]?[] _segments = new long[]?[4096];
    private long _lastSecond = -1;

    public long Seconds => Interlocked.Read(ref _lastSecond) + 1;

    public void Add(long us, SecondColumn column, long value)
    {
        ref var cell = ref Cell(us, column);
        Interlocked.Add(ref cell, value);
    }

    public void Max(long us, SecondColumn column, long value) => Atomic.Max(ref Cell(us, column), value);

    public long Get(long second, SecondColumn column)
    {
        if (second < 0 || second / SegmentSeconds >= _segments.Length)
        {
            return 0;
        }

        var segment = Volatile.Read(ref _segments[second / SegmentSeconds]);
        return segment is null ? 0 : Volatile.Read(ref segment[((second % SegmentSeconds) * Columns) + (int)column]);
    }

    private ref long Cell(long us, SecondColumn column)
    {
        // Beyond 48 days everything lands in the last second rather than failing a run.
        var second = Math.Clamp(us / 1_000_000, 0, ((long)_segments.Length * SegmentSeconds) - 1);
        var index = (int)(second / SegmentSeconds);
        var segment = Volatile.Read(ref _segments[index]);
        if (segment is null)
        {
            Interlocked.CompareExchange(ref _segments[index], new long[SegmentSeconds * Columns], null);
            segment = _segments[index]!;
        }

        Atomic.Max(ref _lastSecond, second);
        return ref segment[((second % SegmentSeconds) * Columns) + (int)column];
    }
}

internal static class Atomic
{
    /// <summary>Raises <paramref name="target"/> to <paramref name="value"/> if that is higher, without a lock.</summary>
    public static void Max(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
