using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Aibench.Simulator;

namespace Aibench.Bench;

/// <summary>
/// How many concurrent SSE streams, and how many tokens per second, the simulator sustains in fixed-latency mode on
/// this machine, with its inter-token gaps still on time. The client runs in the same process (HttpClient, one
/// connection per stream, reading lines): it shares the cores, so the figures are a floor for the simulator alone.
/// </summary>
internal static class SimBenchmark
{
    public static async Task<int> RunAsync(int[] levels, TimeSpan itl, int tokens)
    {
        var server = new SimServer(new SimOptions { Port = 0, Ttft = itl, Itl = itl });
        await using var app = server.Build();
        await app.StartAsync();
        var url = new Uri(SimServer.Address(app));
        using var http = new HttpClient(new SocketsHttpHandler
            { MaxConnectionsPerServer = int.MaxValue, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            Timeout = TimeSpan.FromMinutes(5),
        };

        Console.WriteLine($"aibench sim, fixed latency (ttft = itl = {itl.TotalMilliseconds} ms), {tokens} tokens per stream, client in-process");
        Console.WriteLine("streams | tokens/s | target tokens/s | ratio | gap p50 ms | gap p99 ms | errors");
        foreach (var streams in levels)
        {
            var gaps = new List<double>[streams];
            var errors = 0;
            var watch = Stopwatch.StartNew();
            var tasks = Enumerable.Range(0, streams).Select(async i =>
            {
                gaps[i] = new List<double>(tokens);
                try
                {
                    var request = new HttpRequestMessage(HttpMethod.Post, new Uri(url, "/v1/completions"))
                    {
                        Content = JsonContent.Create(new { model = "sim-model", prompt = "bench", max_tokens = tokens, ignore_eos = true,
                            stream = true }),
                    };
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    long last = 0;
                    while (await reader.ReadLineAsync() is { } line)
                    {
                        if (!line.StartsWith("data: {", StringComparison.Ordinal)) continue;
                        var now = Stopwatch.GetTimestamp();
                        if (last != 0) gaps[i].Add(Stopwatch.GetElapsedTime(last, now).TotalMilliseconds);
                        last = now;
                    }
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref errors);
                }
            }).ToList();
            await Task.WhenAll(tasks);
            var seconds = watch.Elapsed.TotalSeconds;
            var all = gaps.SelectMany(g => g).Order().ToList();
            var produced = all.Count + streams;
            var target = streams * 1000.0 / itl.TotalMilliseconds;
            var rate = produced / seconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{streams,7} | {rate,8:0} | {target,15:0} | {rate / target,5:0.00} | {Percentile(all, 0.5),10:0.00} | "
                    + $"{Percentile(all, 0.99),10:0.00} | {errors}"));
        }

        return 0;
    }

    private static double Percentile(List<double> sorted, double q) => sorted.Count == 0 ? double.NaN
        : sorted[Math.Min(sorted.Count - 1, (int)(q * sorted.Count))];
}
