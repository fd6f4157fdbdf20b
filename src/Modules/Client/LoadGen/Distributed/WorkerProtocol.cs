using System.Text.Json;
using Aibench.Contracts.Client;
using HdrHistogram;

namespace Aibench.Client.LoadGen.Distributed;

/// <summary>What every worker of a distributed run reads from worker.json: the whole run, and how to report.</summary>
/// <param name="StartAtUnixMs">The shared start (wall clock): every worker's step 0 begins then, whatever node it is on.</param>
/// <param name="StepStartsUs">When each step begins, from the shared start: the lock-step schedule.</param>
/// <param name="ReportUrl">The host's base URL, or null when workers must write files.</param>
internal sealed record WorkerConfig(
    Guid BenchmarkId,
    BenchmarkSpec Spec,
    IReadOnlyList<string> Endpoints,
    string Model,
    int Workers,
    long StartAtUnixMs,
    IReadOnlyList<long> StepStartsUs,
    string? ReportUrl,
    string? Token,
    string Reporting);

/// <summary>A histogram as (value, count) pairs: exact to re-record, and plain JSON.</summary>
internal sealed record HistogramData(long[] Values, long[] Counts)
{
    public static HistogramData From(LongHistogram h)
    {
        var values = new List<long>();
        var counts = new List<long>();
        foreach (var v in h.RecordedValues())
        {
            values.Add(v.ValueIteratedTo);
            counts.Add(v.CountAtValueIteratedTo);
        }

        return new HistogramData([.. values], [.. counts]);
    }

    public LongHistogram ToHistogram()
    {
        var h = Histograms.New();
        for (var i = 0; i < Values.Length; i++)
        {
            h.RecordValueWithCount(Math.Clamp(Values[i], 0, Histograms.MaxUs), Counts[i]);
        }

        return h;
    }
}

/// <summary>About once a second: counters and cumulative latency histograms of one worker, for the live view.</summary>
internal sealed record WorkerSnapshot(
    int Worker,
    string? Node,
    double ElapsedSeconds,
    int Step,
    long Sent,
    long Completed,
    long Errors,
    long InFlight,
    double RequestsPerSecond,
    double OutputTokensPerSecond,
    HistogramData Ttft,
    HistogramData E2e);

/// <summary>A worker's end of run: everything the host needs to merge it as if the requests had been sent here.</summary>
/// <param name="StartedAtUnixUs">When the worker's clock read zero (wall clock, µs): the offset of its records.</param>
/// <param name="Records">Exports.Encode of every request, base64.</param>
/// <param name="Series">Per-second columns (SecondColumn order), one array per second.</param>
/// <param name="ChunkGaps">RequestDetails.EncodeGaps of every request, entry for entry with <paramref name="Records"/>, base64; null when
/// the run did not stream (or from a worker of an older aibench).</param>
/// <param name="Texts">RequestDetails.EncodeTexts likewise, base64; null unless the spec keeps texts.</param>
internal sealed record WorkerFinal(
    int Worker,
    string? Node,
    long StartedAtUnixUs,
    string Dataset,
    string Records,
    IReadOnlyList<HistogramData> ItlUs,
    IReadOnlyList<StepWindow> Steps,
    IReadOnlyList<long[]> Series,
    long MaxInFlight,
    string StopReason,
    bool Partial,
    IReadOnlyDictionary<string, string> ErrorSamples,
    HistogramData Ttft,
    HistogramData E2e,
    ClientEnvelope? Envelope = null,
    ClientWarmup? Warmup = null,
    double? ClientCpu = null,
    string? ChunkGaps = null,
    string? Texts = null);

/// <summary>One worker's numbers in the result: to spot a slow worker or node.</summary>
public sealed record WorkerResult(
    int Worker,
    string? Node,
    string Status,
    string? Reason,
    long Sent,
    long Completed,
    long Errors,
    double? AchievedRate,
    double? TtftP50Ms,
    double? TtftP99Ms,
    double? E2eP50Ms,
    double? E2eP99Ms,
    double? ScheduleLagP99Ms)
{
    /// <summary>The worker's own client envelope, measured on its node before the shared start.</summary>
    public ClientEnvelope? Envelope { get; init; }

    /// <summary>The worker process's CPU use over its load: CPU time / wall / cores.</summary>
    public double? ClientCpu { get; init; }

    /// <summary>This worker's client, not the service, limited its share (docs/metrics.md).</summary>
    public bool ClientLimited { get; init; }

    public IReadOnlyList<string>? ClientLimitReasons { get; init; }
}

internal static class WorkerFiles
{
    public static string Snapshot(string runFolder, int worker) => Path.Combine(runFolder, "workers", $"{worker}.snapshot.json");

    public static string Final(string runFolder, int worker) => Path.Combine(runFolder, "workers", $"{worker}.final.json");

    public static string Exit(string runFolder, int worker) => Path.Combine(runFolder, "workers", $"{worker}.exit");

    public static string Pid(string runFolder, int worker) => Path.Combine(runFolder, "workers", $"{worker}.pid");

    /// <summary>Into a temporary file, then renamed: a reader never sees half a report.</summary>
    public static void WriteAtomically<T>(string path, T value)
    {
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(value, Json.Options));
        File.Move(temporary, path, overwrite: true);
    }

    public static T? TryRead<T>(string path) where T : class
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<T>(File.ReadAllBytes(path), Json.Options) : null;
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null;
        }
    }
}

/// <summary>
/// Each worker's share of the load. Rates are divided by the number of workers (a sum of independent Poisson
/// processes of rate r/W is a Poisson process of rate r); closed loops get concurrency / W with the remainder going to
/// the first workers; each worker has its own seed (seed + index), so arrival times and prompts are independent.
/// </summary>
internal static class WorkerShare
{
    public static BenchmarkSpec For(BenchmarkSpec spec, int worker, int workers)
    {
        var load = spec.Load ?? new LoadShape(Concurrency: 1);
        int Split(int total) => (total / workers) + (worker < total % workers ? 1 : 0);
        double Rate(double r) => r / workers;
        var share = load with
        {
            Concurrency = load.Kind is "concurrency" ? Split(load.Concurrency ?? 1) : load.Concurrency,
            Rate = load.Rate is { } r ? Rate(r) : null,
            From = load.From is { } f ? Rate(f) : null,
            To = load.To is { } t ? Rate(t) : null,
            Rates = load.Rates?.Select(Rate).ToList(),
            Concurrencies = load.Concurrencies?.Select(Split).ToList(),
            MaxInFlight = load.MaxInFlight is { } m ? Math.Max(1, Split(m)) : null,
        };
        return spec with
        {
            Load = share,
            MaxRequests = spec.MaxRequests is { } max ? Math.Max(1, Split(max)) : null,
            MeasuredRequests = spec.MeasuredRequests is { } measured ? Math.Max(1, Split(measured)) : null,
            Seed = unchecked(spec.Seed + worker),
            Placement = null,
        };
    }

    /// <summary>
    /// The lock-step schedule: step i starts at i × (duration + settle). The settle time lets the in-flight requests
    /// of a step finish before the next begins everywhere; a worker whose requests take longer starts late and says so
    /// in its schedule lag.
    /// </summary>
    public static IReadOnlyList<long> StepStarts(int steps, TimeSpan duration, TimeSpan timeout)
    {
        var settle = TimeSpan.FromTicks(Math.Min(timeout.Ticks, Math.Max(TimeSpan.FromSeconds(5).Ticks, duration.Ticks / 5)));
        var stride = (duration + settle).Ticks / 10;
        return [.. Enumerable.Range(0, steps).Select(i => i * stride)];
    }
}
