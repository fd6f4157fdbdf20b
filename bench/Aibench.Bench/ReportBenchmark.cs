using System.Diagnostics;
using System.Globalization;
using System.Text;
using Aibench.Client.LoadGen;
using Aibench.Client.Reports;
using Aibench.Contracts.Client;
using Aibench.Shared.Reports;

namespace Aibench.Bench;

/// <summary>
/// Time and size of a run's HTML report (docs/reports.md) for a run of many requests (goal for 100,000: under 2 s and
/// under 2 MB). The reference, measured in the same run on the same records: writing them as the JSONL export, the
/// file a user would otherwise download, which touches every request once as the report's distributions do.
/// </summary>
internal static class ReportBenchmark
{
    public static async Task<int> RunAsync(int requests, int rounds)
    {
        var run = Synthetic(requests);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"aibench report: a run of {requests:N0} requests over {run.Series.Count} s; median of {rounds} rounds; "
                + $"{Environment.ProcessorCount} cores, load average {Machine.LoadAverage()}"));
        // Warm both paths once (JIT), then interleave the rounds so that other work on the machine hits both alike.
        var html = ReportHtml.Render(BenchmarkReport.Document(run, DateTimeOffset.UtcNow, null));
        await JsonlAsync(run);
        var report = new List<double>();
        var jsonl = new List<double>();
        long jsonlBytes = 0;
        for (var i = 0; i < rounds; i++)
        {
            var clock = Stopwatch.StartNew();
            html = ReportHtml.Render(BenchmarkReport.Document(run, DateTimeOffset.UtcNow, null));
            report.Add(clock.Elapsed.TotalSeconds);
            clock.Restart();
            jsonlBytes = await JsonlAsync(run);
            jsonl.Add(clock.Elapsed.TotalSeconds);
        }

        var size = Encoding.UTF8.GetByteCount(html);
        var (r, j) = (Median(report), Median(jsonl));
        Console.WriteLine("what | seconds | MB | time vs JSONL export");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"HTML report | {r:0.000} | {size / 1e6:0.00} | {r / j:0.00}×"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"reference: JSONL export | {j:0.000} | {jsonlBytes / 1e6:0.00} | 1.00×"));
        var met = r < 2 && size < 2_000_000;
        Console.WriteLine($"goal (under 2 s and under 2 MB for 100,000 requests): {(met ? "met" : "NOT met")}");
        return met ? 0 : 1;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static async Task<long> JsonlAsync(BenchmarkReportInput run)
    {
        using var sink = new MemoryStream();
        await Exports.WriteJsonlAsync(run.Records, sink, CancellationToken.None, run.Summary.TokenCounter);
        return sink.Length;
    }

    /// <summary>A steady 10-minute run at a rate that gives the requests asked for, with plausible, varied latencies.</summary>
    private static BenchmarkReportInput Synthetic(int requests)
    {
        var random = new Random(7);
        const long Seconds = 600;
        var records = new RequestRecord[requests];
        for (var i = 0; i < requests; i++)
        {
            var scheduled = (long)(i * (Seconds * 1e6 / requests));
            var ttft = (long)(30_000 + (random.NextDouble() * random.NextDouble() * 400_000));
            var output = 64 + random.Next(192);
            var itl = 8_000 + random.Next(8_000);
            records[i] = new RequestRecord
            {
                Index = i, ScheduledUs = scheduled, SentUs = scheduled + 50, FirstTokenUs = scheduled + ttft,
                LastTokenUs = scheduled + ttft + ((output - 1) * itl), EndUs = scheduled + ttft + ((output - 1) * itl) + 200, InputTokens = 512,
                ServerInputTokens = 512, OutputTokens = output, ServerOutputTokens = output, Chunks = output, HttpStatus = 200,
                Error = i % 997 == 0 ? RequestError.Timeout : RequestError.None,
            };
        }

        var series = Enumerable.Range(0, (int)Seconds).Select(t
            => new SecondPoint(t, requests / Seconds, requests / Seconds, 0, 512 * requests / Seconds,
            150 * requests / Seconds, 40, 120 + random.NextDouble() * 40, 1_500 + random.NextDouble() * 200)).ToList();
        var ok = records.Where(r => r.Ok).ToList();
        Stats Of(IEnumerable<double> values)
        {
            var sorted = values.Order().ToArray();
            double P(double p) => NearestRank.Of(sorted, p);
            return new Stats(sorted.Length, sorted.Average(), 0, sorted[0], sorted[^1], P(50), P(90), P(95), P(99), P(99.9));
        }

        var overall = new StepResult(0, "rate", null, requests / (double)Seconds, requests / (double)Seconds, Seconds, requests, ok.Count,
            requests - ok.Count, 0, 0, ok.Count / (double)Seconds, 512.0 * ok.Count / Seconds, ok.Sum(r => (double)r.OutputTokens) / Seconds, 0, 0,
            null, null, Of(ok.Select(r => r.TtftUs!.Value / 1000.0)), Of(ok.Select(r => r.TpotUs!.Value / 1000.0)),
            Of(ok.Select(r => r.TpotUs!.Value / 1000.0)), Of(ok.Select(r => r.E2eUs / 1000.0)), null, null,
            new TokenTotals(0, 0, 0, 0, 0, 0, 0, null, null), new Dictionary<string, long> { ["timeout"] = requests - ok.Count }, 40, 60);
        var summary = new RunSummary("duration", false, DateTimeOffset.UtcNow, Seconds, overall, [overall],
            new Dictionary<string, string> { ["timeout"] = "no complete answer within 5m" }, "o200k");
        var spec = new BenchmarkSpec(Urls: ["http://node1:8000"], Load: new LoadShape("rate", Rate: requests / (double)Seconds), Duration: "10m");
        return new BenchmarkReportInput(Guid.NewGuid(), "bench run", BenchmarkStatus.Completed, "http://node1:8000", "model", spec.Dataset, null,
            DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, spec, summary, series, records);
    }
}
