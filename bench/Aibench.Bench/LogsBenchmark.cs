using System.Diagnostics;
using System.Globalization;
using System.Text;
using Aibench.Logs.Features;
using Aibench.Logs.Jobs;
using Aibench.Logs.Persistence;
using Aibench.Logs.Tailing;
using Aibench.Shared.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Bench;

/// <summary>
/// Log collection under a writer appending vLLM-style lines at a fixed rate: the tailing pipeline (read, parse, store
/// lines and offset in one SaveChanges, publish to a live subscriber) against coreutils <c>tail -F</c> reading the same
/// kind of file in the same run. Each line carries its write time, so latency is write → delivery per line.
/// </summary>
internal static class LogsBenchmark
{
    private const string Pad = " Avg prompt throughput: 812.3 tokens/s, Running: 24 reqs, KV cache 41.2%";

    public static async Task<int> RunAsync(double[] rates, double seconds)
    {
        Console.WriteLine($"aibench log collection, {Environment.ProcessorCount} cores, {TimeProvider.System.GetUtcNow():yyyy-MM-dd}, load average {Machine.LoadAverage()}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"writer appends ~{Line(0, 0).Length} byte lines at each rate for {seconds} s; poll {TailLogsJob.Poll.TotalMilliseconds} ms; SQLite file, migrated"));
        var root = Directory.CreateTempSubdirectory("aibench-bench-logs-").FullName;
        try
        {
            var options = new DbContextOptionsBuilder<LogsDbContext>();
            ModuleDatabaseExtensions.Configure(options, DatabaseSettings.ForSqliteFile(Path.Combine(root, "logs.db")), LogsDbContext.SchemaName);
            await using (var db = new LogsDbContext(options.Options))
            {
                await db.Database.MigrateAsync();
            }

            var tail = Machine.FindOnPath("tail");
            Console.WriteLine("pipeline            | rate/s  | written | delivered | undelivered | lines/s delivered | p50 ms | p99 ms | max ms | read µs/line | parse µs/line | save µs/line | publish µs/line");
            var results = new List<(double Rate, Result? Tail, Result Aibench, Result Reader)>();
            var n = 0;
            foreach (var rate in rates)
            {
                Result? reference = null;
                if (tail is not null)
                {
                    reference = await MeasureAsync(Path.Combine(root, $"tail-{n}.log"), rate, seconds, (path, sink, ct) => TailAsync(tail, path, sink, ct));
                    Print("tail -F", reference);
                }

                var aibench = await MeasureAsync(Path.Combine(root, $"aibench-{n}.log"), rate, seconds, (path, sink, ct) => PipelineAsync(path, sink, options.Options, ct));
                Print("aibench (db)", aibench);
                var reader = await MeasureAsync(Path.Combine(root, $"reader-{n}.log"), rate, seconds, (path, sink, ct) => PipelineAsync(path, sink, null, ct));
                Print("reader only (no db)", reader);
                results.Add((rate, reference, aibench, reader));
                n++;
            }

            Console.WriteLine();
            Console.WriteLine("rate/s  | aibench lines/s ÷ tail | aibench p99 − tail p99 ms | reader-only lines/s ÷ tail");
            foreach (var (rate, reference, aibench, reader) in results)
            {
                Console.WriteLine(reference is null
                    ? string.Create(CultureInfo.InvariantCulture, $"{rate,7:0} | no tail on PATH")
                    : string.Create(CultureInfo.InvariantCulture,
                        $"{rate,7:0} | {aibench.LinesPerSecond / reference.LinesPerSecond,22:0.00} | {aibench.P99 - reference.P99,25:0} | {reader.LinesPerSecond / reference.LinesPerSecond,26:0.00}"));
            }

            // Sustained means every line written got through at the offered rate, not merely a fast burst before falling behind.
            var best = results.Select(r => r.Aibench).Where(r => r.Lost == 0 && r.LinesPerSecond >= 0.9 * r.Rate).MaxBy(r => r.LinesPerSecond);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"goal >= 50,000 lines/s sustained with p99 <= 1 s: {(best is { LinesPerSecond: >= 50_000, P99: <= 1000 } ? "met" : "not met")}" +
                $" (highest sustained: {(best is null ? "none" : $"{best.LinesPerSecond:0} lines/s, p99 {best.P99:0} ms")})"));
            // Other work on the machine shows up as lag; the load average says how much there was.
            Console.WriteLine($"load average at the end {Machine.LoadAverage()}");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }

        return 0;
    }

    private static void Print(string label, Result r) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label,-19} | {r.Rate,7:0} | {r.Written,7} | {r.Delivered,9} | {r.Lost,11} | {r.LinesPerSecond,17:0} | {r.P50,6:0.0} | {r.P99,6:0.0} | {r.Max,6:0.0} | {Stage(r, 0),12} | {Stage(r, 1),13} | {Stage(r, 2),12} | {Stage(r, 3),15}"));

    private static string Stage(Result r, int stage) =>
        r.Stages is null || r.Stages[4] == 0 ? "-" : (r.Stages[stage] * 1000 / r.Stages[4]).ToString("0.00", CultureInfo.InvariantCulture);

    private sealed record Result(double Rate, long Written, long Delivered, double LinesPerSecond, double P50, double P99, double Max, double[]? Stages)
    {
        public long Lost => Written - Delivered;
    }

    /// <summary>Receives delivered lines from whichever pipeline is under test and times them against their write time.</summary>
    private sealed class Sink
    {
        private readonly List<double> _latencies = new(1 << 20);
        private long _delivered;
        private long _last;

        public double[]? Stages { get; set; }

        public long Delivered => Interlocked.Read(ref _delivered);

        public long Last => Interlocked.Read(ref _last);

        public void Deliver(ReadOnlySpan<char> line)
        {
            var now = Stopwatch.GetTimestamp();
            var at = line.IndexOf(" t=", StringComparison.Ordinal);
            if (at < 0) return;
            var rest = line[(at + 3)..];
            var end = rest.IndexOf(' ');
            var written = long.Parse(end < 0 ? rest : rest[..end], CultureInfo.InvariantCulture);
            lock (_latencies)
            {
                _latencies.Add(Stopwatch.GetElapsedTime(written, now).TotalMilliseconds);
            }

            Interlocked.Exchange(ref _last, now);
            Interlocked.Increment(ref _delivered);
        }

        public double[] Sorted()
        {
            lock (_latencies)
            {
                var copy = _latencies.ToArray();
                Array.Sort(copy);
                return copy;
            }
        }
    }

    private static async Task<Result> MeasureAsync(string path, double rate, double seconds, Func<string, Sink, CancellationToken, Task> pipeline)
    {
        await File.WriteAllBytesAsync(path, []);
        var sink = new Sink();
        using var stop = new CancellationTokenSource();
        var running = Task.Run(() => pipeline(path, sink, stop.Token));
        // Lets the pipeline (or tail) start before the first line, so start-up is not counted as latency.
        await Task.Delay(300);
        var total = (long)(rate * seconds);
        var began = Stopwatch.GetTimestamp();
        var writer = new Thread(() => Write(path, rate, total)) { IsBackground = true, Name = "log writer" };
        writer.Start();
        writer.Join();

        // Drains what is still in flight, within a bound: a pipeline that far behind has failed the rate anyway.
        var ended = Stopwatch.GetTimestamp();
        while (sink.Delivered < total && Stopwatch.GetElapsedTime(ended) < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(50);
        }

        await stop.CancelAsync();
        await running;
        var latencies = sink.Sorted();
        var delivered = sink.Delivered;
        var elapsed = Stopwatch.GetElapsedTime(began, sink.Last).TotalSeconds;
        return new Result(rate, total, delivered, delivered == 0 ? 0 : delivered / elapsed,
            Percentile(latencies, 0.50), Percentile(latencies, 0.99), latencies.Length == 0 ? double.NaN : latencies[^1], sink.Stages);
    }

    private static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Length - 1, Math.Ceiling(sorted.Length * q) - 1)];

    /// <summary>Appends lines as they fall due, about once a millisecond, each batch in one write as a logging process flushing would.</summary>
    private static void Write(string path, double rate, long total)
    {
        using var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1);
        var began = Stopwatch.GetTimestamp();
        var buffer = new MemoryStream();
        long written = 0;
        while (written < total)
        {
            var due = Math.Min(total, (long)(Stopwatch.GetElapsedTime(began).TotalSeconds * rate));
            if (due > written)
            {
                buffer.SetLength(0);
                var now = Stopwatch.GetTimestamp();
                for (; written < due; written++)
                {
                    buffer.Write(Encoding.UTF8.GetBytes(Line(written, now)));
                }

                file.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
            }

            Thread.Sleep(1);
        }
    }

    private static string Line(long seq, long timestamp)
    {
        var at = new DateTime(2026, 11, 27, 3, 4, 5, DateTimeKind.Utc).AddSeconds(seq / 1000);
        return string.Create(CultureInfo.InvariantCulture, $"INFO {at:MM-dd HH:mm:ss} [metrics.py:351] seq={seq} t={timestamp}{Pad}\n");
    }

    /// <summary>
    /// What TailLogsJob.TailOnceAsync does for one file, in a loop with its poll interval: a fresh context, the file's
    /// stored offset, read, parse, lines and offset in one SaveChanges, then publish to a subscriber draining its
    /// channel as the SSE handler does. Without options, the store is skipped to show what reading alone costs.
    /// </summary>
    private static async Task PipelineAsync(string path, Sink sink, DbContextOptions<LogsDbContext>? options, CancellationToken cancellationToken)
    {
        var broadcaster = new LogBroadcaster();
        using var subscription = broadcaster.Subscribe(_ => true);
        var subscriber = Task.Run(async () =>
        {
            await foreach (var line in subscription.Channel.Reader.ReadAllAsync(CancellationToken.None))
            {
                sink.Deliver(line.Text);
            }
        }, CancellationToken.None);

        // Milliseconds in read, parse, save and publish, then the lines they handled.
        var stages = new double[5];
        sink.Stages = stages;
        var service = Guid.NewGuid();
        var state = TailState.Start;
        long id = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var now = TimeProvider.System.GetUtcNow();
                var t0 = Stopwatch.GetTimestamp();
                await using var db = options is null ? null : new LogsDbContext(options);
                LogFile? file = null;
                if (db is not null)
                {
                    file = await db.Files.SingleOrDefaultAsync(f => f.Path == path, cancellationToken);
                    if (file is null)
                    {
                        file = new LogFile { Path = path, ServiceId = service, Stream = "stdout", Task = 0 };
                        db.Files.Add(file);
                    }

                    state = new TailState(file.Offset, file.Head, file.SkippingLongLine);
                }

                var read = LogFileReader.Read(path, state);
                var t1 = Stopwatch.GetTimestamp();
                var added = new List<LogLine>(read.Lines.Count);
                foreach (var entry in LineParser.Parse(read.Lines, now.Year))
                {
                    var line = new LogLine
                    {
                        ServiceId = service,
                        Task = 0,
                        Stream = "stdout",
                        Level = entry.Level,
                        Timestamp = entry.Timestamp ?? now,
                        Text = Redactor.Apply(entry.Text, []),
                    };
                    if (db is null)
                    {
                        line.Id = ++id;
                    }
                    else
                    {
                        db.Lines.Add(line);
                    }

                    added.Add(line);
                }

                var t2 = Stopwatch.GetTimestamp();
                if (db is not null && file is not null)
                {
                    file.Offset = read.State.Offset;
                    file.Head = read.State.Head;
                    file.SkippingLongLine = read.State.SkippingLongLine;
                    file.UpdatedAt = now;
                    await db.SaveChangesAsync(cancellationToken);
                }

                state = read.State;
                var t3 = Stopwatch.GetTimestamp();
                if (added.Count > 0)
                {
                    broadcaster.Publish([.. added.Select(ListLogsHandler.View)]);
                }

                var t4 = Stopwatch.GetTimestamp();
                stages[0] += Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds;
                stages[1] += Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds;
                stages[2] += Stopwatch.GetElapsedTime(t2, t3).TotalMilliseconds;
                stages[3] += Stopwatch.GetElapsedTime(t3, t4).TotalMilliseconds;
                stages[4] += added.Count;
                await Task.Delay(TailLogsJob.Poll, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The measurement is over.
        }

        subscription.Dispose();
        await subscriber;
    }

    /// <summary>The reference: coreutils tail following the file, its stdout read line by line here.</summary>
    private static async Task TailAsync(string tail, string path, Sink sink, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(tail) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "-F", "-n", "+1", path })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start tail");
        var reader = new Thread(() =>
        {
            while (process.StandardOutput.ReadLine() is { } line)
            {
                sink.Deliver(line);
            }
        }) { IsBackground = true, Name = "tail reader" };
        reader.Start();
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The measurement is over.
        }

        process.Kill();
        await process.WaitForExitAsync(CancellationToken.None);
        reader.Join();
    }

}
