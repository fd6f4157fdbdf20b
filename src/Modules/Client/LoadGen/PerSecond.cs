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

    /// <summary>
    /// The mean of a second in milliseconds, from a column of µs sums and one of counts (TTFT, E2E); null when the
    /// second has none. The live view and the stored series both ask here, so they cannot disagree.
    /// </summary>
    public double? MeanMs(long second, SecondColumn sumUs, SecondColumn count)
    {
        var n = Get(second, count);
        return n > 0 ? Get(second, sumUs) / (double)n / 1000 : null;
    }

    /// <summary>One second as stored and charted: every column, and the means rounded to the µs.</summary>
    public SecondPoint Point(long second)
    {
        long Of(SecondColumn c) => Get(second, c);
        return new SecondPoint(second, Of(SecondColumn.Sent), Of(SecondColumn.Completed), Of(SecondColumn.Errors),
            Of(SecondColumn.InputTokens), Of(SecondColumn.OutputTokens), Of(SecondColumn.InFlightMax),
            Round(MeanMs(second, SecondColumn.TtftSumUs, SecondColumn.TtftCount)),
            Round(MeanMs(second, SecondColumn.E2eSumUs, SecondColumn.E2eCount)));

        static double? Round(double? ms) => ms is { } v ? Math.Round(v, 3) : null;
    }

    /// <summary>The highest value of <paramref name="column"/> in the seconds from <paramref name="fromUs"/> to <paramref name="toUs"/>, both
    /// included.</summary>
    public long Peak(long fromUs, long toUs, SecondColumn column)
    {
        long peak = 0;
        for (var s = fromUs / 1_000_000; s <= toUs / 1_000_000; s++)
        {
            peak = Math.Max(peak, Get(s, column));
        }

        return peak;
    }

    /// <summary>Every second's columns in <see cref="SecondColumn"/> order, as a worker hands them in.</summary>
    public IReadOnlyList<long[]> Rows()
    {
        var columns = Enum.GetValues<SecondColumn>();
        var rows = new List<long[]>();
        for (long s = 0; s < Seconds; s++)
        {
            rows.Add([.. columns.Select(c => Get(s, c))]);
        }

        return rows;
    }

    /// <summary>Adds a worker's rows (<see cref="Rows"/>), its second 0 landing at <paramref name="shiftUs"/>.</summary>
    public void AddRows(IReadOnlyList<long[]> rows, long shiftUs)
    {
        for (var second = 0; second < rows.Count; second++)
        {
            var columns = rows[second];
            for (var c = 0; c < columns.Length; c++)
            {
                Add((second * 1_000_000L) + shiftUs, (SecondColumn)c, columns[c]);
            }
        }
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
