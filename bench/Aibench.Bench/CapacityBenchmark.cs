using System.Diagnostics;
using System.Globalization;
using Aibench.Client.LoadGen;
using Aibench.Client.LoadGen.Datasets;
using Aibench.Contracts.Client;
using Aibench.Experiments.Planning;
using Aibench.Simulator;

namespace Aibench.Bench;

/// <summary>
/// What the capacity search costs to reach ±tolerance on the simulator, against a fixed sweep of the same range that
/// reaches the same precision: a geometric grid whose neighbours are 2 × tolerance apart, every step sending the same
/// settling period and measured requests as a probe and running to its end (a sweep cannot stop a step early or skip
/// one). Both run against the same simulator configuration, whose capacity is computed (docs/simulator.md); the
/// figures are probes, minutes of load and the capacity each found.
/// </summary>
internal static class CapacityBenchmark
{
    private static readonly CultureInfo I = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(double tolerance, int minRequests, double start)
    {
        // Eight sequences, 20 tokens each, 10 ms steps, 2 ms prefill: μ = 1000 / (20 × 10 / 8 + 2) = 37.04 req/s.
        const int seqs = 8, outputTokens = 20;
        var options = new SimOptions
        {
            Port = 0, MaxNumSeqs = seqs, DecodeBase = TimeSpan.FromMilliseconds(10), DecodePerSeq = TimeSpan.Zero,
            PrefillBase = TimeSpan.FromMilliseconds(2), PrefillPerToken = TimeSpan.Zero,
        };
        var capacity = 1000 / ((outputTokens * 10.0 / seqs) + 2);
        var server = new SimServer(options);
        await using var app = server.Build();
        await app.StartAsync();
        var url = new Uri(SimServer.Address(app));
        var slo = new ExperimentSlo(Ttft: "150ms");
        var load = new BenchmarkSpec(Name: "capacity", Urls: [url.ToString()], Load: new LoadShape("rate", Rate: start, Arrival: "constant"),
            Dataset: $"random:input=32,output={outputTokens}", Slo: slo.ToSpec(), Timeout: "30s", ClientWarmup: false, Calibration: "off");
        var settings = new ExperimentCapacity(start, tolerance, minRequests, "2s", 10_000, 3);
        Console.WriteLine(string.Create(I,
            $"aibench sim: {seqs} sequences × {outputTokens} tokens, 10 ms steps, 2 ms prefill; computed capacity {capacity:0.##} req/s; SLO "
                + $"TTFT ≤ 150 ms "
                + $"for 90 % of requests; ±{tolerance:P0}, {minRequests} measured requests a probe after 2 s settling"));

        // The search.
        var search = CapacitySearch.Begin(settings, slo, 1);
        var watch = Stopwatch.StartNew();
        while (search.Next(DateTimeOffset.UtcNow, TimeSpan.FromHours(1)) is { Rate: { } rate })
        {
            search = search.Started(rate, Guid.NewGuid(), DateTimeOffset.UtcNow);
            search = search.Record(await RunAsync(search.ProbeSpec(load, rate, search.Probes.Count), url));
        }

        var searchMinutes = watch.Elapsed.TotalMinutes;
        var found = search.Outcome("converged");
        var range = (Low: start, High: search.Probes.Max(p => p.Rate));

        // The sweep: the same range on a grid fine enough for the same precision, every step run whole.
        var ratio = (1 + tolerance) / (1 - tolerance);
        var grid = new List<double>();
        for (var r = range.Low; r < range.High * ratio; r *= ratio)
        {
            grid.Add(Math.Round(Math.Min(r, range.High), 3));
        }

        var sweep = CapacitySearch.Begin(settings, slo, 1);
        watch.Restart();
        foreach (var rate in grid.Distinct())
        {
            sweep = sweep.Started(rate, Guid.NewGuid(), DateTimeOffset.UtcNow);
            var spec = sweep.ProbeSpec(load, rate, sweep.Probes.Count);
            sweep = sweep.Record(await RunAsync(spec with { Slo = spec.Slo! with { StopEarly = false } }, url));
        }

        var sweepMinutes = watch.Elapsed.TotalMinutes;
        var swept = sweep.Outcome("converged");

        Console.WriteLine("method | probes | minutes | capacity req/s | interval | error vs computed");
        Console.WriteLine(Row("search", search.Probes.Count, searchMinutes, found, capacity));
        Console.WriteLine(Row("sweep", sweep.Probes.Count, sweepMinutes, swept, capacity));
        Console.WriteLine(string.Create(I,
            $"ratio sweep / search: probes {(double)sweep.Probes.Count / search.Probes.Count:0.00}, minutes {sweepMinutes / searchMinutes:0.00}"));
        return 0;
    }

    private static string Row(string method, int probes, double minutes, CapacityOutcome o, double capacity) => string.Create(I,
        $"{method} | {probes} | {minutes:0.00} | {o.Rate:0.###} | {o.Lower:0.###}–{o.Upper:0.###} | {(o.Rate - capacity) / capacity:+0.0%;-0.0%}");

    private static async Task<BenchmarkResult> RunAsync(BenchmarkSpec spec, Uri url)
    {
        var prompts = DatasetLoader.Load(spec.Dataset, spec.Api, spec.Seed, CancellationToken.None);
        var plan = LoadPlan.From(spec, [url], "sim-model");
        using var runner = new LoadRunner(plan, prompts);
        var outcome = await runner.RunAsync(prompts.Description, null, CancellationToken.None);
        var summary = Summarizer.Summarize(outcome);
        return new BenchmarkResult(Guid.NewGuid(), BenchmarkStatus.Completed, null, null, null, summary.Overall.ToContract(), [], [],
            summary.StopReason);
    }
}
