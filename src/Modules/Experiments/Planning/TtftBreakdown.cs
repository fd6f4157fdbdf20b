using System.Globalization;
using Aibench.Contracts.Client;
using Aibench.Contracts.Monitor;

namespace Aibench.Experiments.Planning;

/// <summary>
/// TTFT taken apart: TTFT = queue + prefill + (network and client). The client's TTFT comes from its per-request
/// records, queue and prefill from the service's own histograms over the run (deltas between scrapes). Means add
/// exactly; percentiles do not, so the p50 line is an approximation, and a quantile from a histogram is only as good
/// as its bucket is narrow. docs/metrics.md has the formulas.
/// </summary>
/// <param name="ServerFrom">Scrape the server's deltas start from (the first at or after the run's start).</param>
/// <param name="ServerTo">Scrape they end at (the first at or after the run's end).</param>
/// <param name="Targets">Replicas whose histograms were added.</param>
/// <param name="ClientRequests">Measured requests the client completed.</param>
/// <param name="ServerRequests">Requests the server finished between the two scrapes (Δcount of its E2E histogram).</param>
/// <param name="Lines">Each latency with its source, client or server.</param>
/// <param name="Mean">The decomposition of the mean TTFT: exact.</param>
/// <param name="P50">The same at the median: an approximation, with how far the buckets let it be off.</param>
/// <param name="RemainderLarge">Whether the remainder passes <see cref="LargeShare"/> of the TTFT and <see cref="LargeMs"/>.</param>
/// <param name="Verdict">What the remainder means, in a sentence.</param>
/// <param name="Notes">What to keep in mind reading it (windows that differ, coarse buckets).</param>
public sealed record TtftBreakdown(
    DateTimeOffset? ServerFrom,
    DateTimeOffset? ServerTo,
    int Targets,
    long ClientRequests,
    long? ServerRequests,
    IReadOnlyList<LatencyLine> Lines,
    TtftRemainder? Mean,
    TtftRemainder? P50,
    bool RemainderLarge,
    string Verdict,
    IReadOnlyList<string> Notes)
{
    /// <summary>A remainder above this share of the client's mean TTFT (and above <see cref="LargeMs"/>) is called large.</summary>
    public const double LargeShare = 0.2;

    /// <summary>…and above this many milliseconds: a few ms on a 5 ms TTFT are the loopback and the client, not a problem.</summary>
    public const double LargeMs = 5;

    /// <summary>Server and client counting requests this far apart (share) means their windows differ.</summary>
    private const double CoverageTolerance = 0.1;

    private const string ClientSource = "client";
    private const string ServerSource = "server";

    /// <summary>The decomposition of a finished run's TTFT with what the service's histograms recorded over it.</summary>
    public static TtftBreakdown Of(BenchmarkStepResult? client, ServerLatencies server)
    {
        var lines = new List<LatencyLine>();
        if (client is { TtftMeanMs: not null } c)
        {
            lines.Add(new LatencyLine("TTFT", ClientSource, "aibench: scheduled → first token", c.Completed, c.TtftMeanMs, c.TtftP50Ms, c.TtftP90Ms,
                c.TtftP99Ms, null, null));
        }

        lines.AddRange(new[] { ("TTFT", server.Ttft), ("queue", server.Queue), ("prefill", server.Prefill), ("decode", server.Decode),
            ("E2E", server.E2e) }
            .Where(x => x.Item2 is not null)
            .Select(x => Server(x.Item1, x.Item2!)));
        if (client is { E2eMeanMs: not null } e)
        {
            lines.Add(new LatencyLine("E2E", ClientSource, "aibench: scheduled → last byte", e.Completed, e.E2eMeanMs, e.E2eP50Ms, e.E2eP90Ms,
                e.E2eP99Ms, null, null));
        }

        var notes = new List<string>();
        var clientRequests = client?.Completed ?? 0;
        var serverRequests = server.E2e?.Count ?? server.Ttft?.Count;
        if (serverRequests is { } n && clientRequests > 0 && Math.Abs(n - clientRequests) > CoverageTolerance * clientRequests)
        {
            notes.Add($"The server finished {n} request(s) between its two scrapes, the client measured {clientRequests}: the windows differ "
                + "(the scrape interval), or other clients used the service; the means compare populations that overlap only in part.");
        }

        if (client?.TtftMeanMs is not { } clientMean)
        {
            return new TtftBreakdown(server.From, server.To, server.Targets, clientRequests, serverRequests, lines, null, null, false,
                "The client measured no TTFT (the run was not streamed, or nothing completed), so there is nothing to take apart.", notes);
        }

        if (server.Queue is not { } queue || server.Prefill is not { } prefill)
        {
            return new TtftBreakdown(server.From, server.To, server.Targets, clientRequests, serverRequests, lines, null, null, false,
                "The service's queue and prefill histograms recorded nothing over the run (it exports none, or fewer than two scrapes fell in it), "
                    + "so TTFT cannot be taken apart.",
                notes);
        }

        var mean = new TtftRemainder(clientMean, queue.MeanMs, prefill.MeanMs, Round(clientMean - queue.MeanMs - prefill.MeanMs),
            clientMean > 0 ? Math.Round((clientMean - queue.MeanMs - prefill.MeanMs) / clientMean, 4) : null, null,
            server.Ttft is { } ttft ? Round(clientMean - ttft.MeanMs) : null);
        TtftRemainder? p50 = null;
        if (client.TtftP50Ms is { } clientP50 && queue.P50 is { } q && prefill.P50 is { } p)
        {
            var remainder = clientP50 - q.Ms - p.Ms;
            p50 = new TtftRemainder(clientP50, q.Ms, p.Ms, Round(remainder), clientP50 > 0 ? Math.Round(remainder / clientP50, 4) : null,
                Round((q.BucketToMs - q.BucketFromMs) + (p.BucketToMs - p.BucketFromMs)),
                server.Ttft?.P50 is { } t ? Round(clientP50 - t.Ms) : null);
            if (p50.UncertaintyMs > Math.Abs(remainder))
            {
                notes.Add($"The server's p50 queue and prefill are interpolated within buckets {Bucket(q)} and {Bucket(p)} ms wide: the "
                    + $"p50 remainder is "
                    + "within their widths only; the means are exact.");
            }
        }

        var large = mean.RemainderMs > LargeShare * clientMean && mean.RemainderMs > LargeMs;
        var verdict = large
            ? $"Large remainder: {Ms(mean.RemainderMs)} ms of the {Ms(clientMean)} ms mean TTFT ({mean.Share:P0}) is neither queue nor prefill: the "
                + $"network or the client adds it, not the model server."
            : $"Small remainder: {Ms(mean.RemainderMs)} ms of the {Ms(clientMean)} ms mean TTFT ({mean.Share:P0}) is outside queue and prefill; the "
                + $"server's queue and prefill explain the TTFT.";
        return new TtftBreakdown(server.From, server.To, server.Targets, clientRequests, serverRequests, lines, mean, p50, large, verdict, notes);
    }

    private static LatencyLine Server(string name, ServerLatency l) =>
        new(name, ServerSource, l.Metric, l.Count, l.MeanMs, l.P50?.Ms, l.P90?.Ms, l.P99?.Ms, l.P50?.BucketFromMs, l.P50?.BucketToMs);

    private static string Bucket(ServerQuantile q) => $"{Ms(q.BucketFromMs)}–{Ms(q.BucketToMs)}";

    private static string Ms(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    private static double Round(double value) => Math.Round(value, 3);
}

/// <summary>One latency of a run, from one source.</summary>
/// <param name="Name"><c>TTFT</c>, <c>queue</c>, <c>prefill</c>, <c>decode</c> or <c>E2E</c>.</param>
/// <param name="Source"><c>client</c> (aibench's per-request records) or <c>server</c> (the service's histogram, Δ over the run).</param>
/// <param name="Metric">What exactly: the histogram's name, or the client's definition.</param>
/// <param name="Count">Requests it covers.</param>
/// <param name="MeanMs">Mean (exact for both sources).</param>
/// <param name="P50Ms">Median (the server's interpolated within a bucket).</param>
/// <param name="P90Ms">90th percentile.</param>
/// <param name="P99Ms">99th percentile.</param>
/// <param name="P50BucketFromMs">For the server: lower bound of the bucket its median fell in.</param>
/// <param name="P50BucketToMs">For the server: upper bound of that bucket.</param>
public sealed record LatencyLine(
    string Name,
    string Source,
    string Metric,
    long? Count,
    double? MeanMs,
    double? P50Ms,
    double? P90Ms,
    double? P99Ms,
    double? P50BucketFromMs,
    double? P50BucketToMs);

/// <summary>TTFT = queue + prefill + remainder (network and client), at one statistic.</summary>
/// <param name="TtftMs">The client's TTFT.</param>
/// <param name="QueueMs">The server's queue time.</param>
/// <param name="PrefillMs">The server's prefill time.</param>
/// <param name="RemainderMs">TTFT − queue − prefill: the network, the client and the server's front end.</param>
/// <param name="Share">Remainder / TTFT.</param>
/// <param name="UncertaintyMs">How far the buckets let queue + prefill be off (the widths of the buckets interpolated in); null when exact.</param>
/// <param name="OutsideServerMs">Client TTFT − the server's own TTFT: the part outside the server process altogether.</param>
public sealed record TtftRemainder(
    double TtftMs,
    double QueueMs,
    double PrefillMs,
    double RemainderMs,
    double? Share,
    double? UncertaintyMs,
    double? OutsideServerMs);
