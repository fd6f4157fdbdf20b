using System.Diagnostics;
using System.Globalization;
using Aibench.Client.LoadGen;
using Aibench.Client.LoadGen.Datasets;
using Aibench.Contracts.Client;
using Aibench.Simulator;

namespace Aibench.Bench;

/// <summary>
/// What the client calibration (issue 14 part 2) adds to a run: the wall time of <see cref="ClientCalibration.MeasureAsync"/>
/// (start the <c>aibench sim --ttft 0ms --itl 0ms</c> child, an uncounted quarter-length pass, the measured pass, stop
/// the child) and of the warm-up, for several calibration durations and two load shapes. The reference, measured in the
/// same run, is the configured calibration duration: the ratio added ÷ configured shows the fixed overhead (child start
/// and stop) on top of the 1.25 × duration of load.
/// </summary>
internal static class CalibrationBenchmark
{
    private static readonly CultureInfo I = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(string binary, IReadOnlyList<int> seconds, int repeats)
    {
        if (!File.Exists(binary))
        {
            Console.Error.WriteLine($"no aibench binary at {binary}: build src/Host (scripts/bench.sh calibration does) or pass --binary");
            return 2;
        }

        Console.WriteLine(string.Create(I,
            $"client calibration cost, {Environment.ProcessorCount} cores, {TimeProvider.System.GetUtcNow():yyyy-MM-dd}, binary {binary}, load "
                + $"average {Machine.LoadAverage()}"));
        // The run's target: a fixed-latency simulator in this process (only the warm-up talks to it).
        var sim = new SimServer(new SimOptions { Port = 0, Ttft = TimeSpan.FromMilliseconds(20), Itl = TimeSpan.FromMilliseconds(5) });
        await using var app = sim.Build();
        await app.StartAsync();
        var target = new Uri(SimServer.Address(app));
        using var http = RequestSender.CreateHttpClient();

        var shapes = new (string Name, LoadShape Load)[]
        {
            ("rate 50 req/s, poisson", new LoadShape("rate", Rate: 50)),
            ("concurrency 32", new LoadShape("concurrency", Concurrency: 32)),
        };
        Console.WriteLine("| shape | calibration s | added s p50 (min–max) | added ÷ configured | overhead s (added − 1.25 × configured) | warm-up s "
            + "p50 | envelope TTFT p99 ms |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (name, load) in shapes)
        {
            var spec = new BenchmarkSpec(Urls: [target.ToString()], Load: load, Duration: "10s", Dataset: "random:input=128,output=32");
            var plan = LoadPlan.From(spec, [target], "sim-model");
            var prompts = DatasetLoader.Load(spec.Dataset, spec.Api, spec.Seed, CancellationToken.None);
            foreach (var s in seconds)
            {
                var added = new List<double>();
                var warm = new List<double>();
                double? ttftP99 = null;
                for (var r = 0; r < repeats; r++)
                {
                    var watch = Stopwatch.StartNew();
                    var envelope = await ClientCalibration.MeasureAsync(plan, prompts, http, TimeSpan.FromSeconds(s), binary, CancellationToken.None);
                    added.Add(watch.Elapsed.TotalSeconds);
                    if (!envelope.IsMeasured)
                    {
                        Console.Error.WriteLine($"calibration {envelope.Status}: {envelope.Reason}");
                        return 1;
                    }

                    ttftP99 = envelope.TtftP99Ms;
                    var warmup = await ClientWarmupRunner.RunAsync(plan, http, true, CancellationToken.None);
                    warm.Add(warmup.DurationSeconds);
                }

                added.Sort();
                warm.Sort();
                var p50 = added[added.Count / 2];
                Console.WriteLine(string.Create(I,
                    $"| {name} | {s} | {p50:0.00} ({added[0]:0.00}–{added[^1]:0.00}) | {p50 / s:0.00} | {p50 - (1.25 * s):0.00} | "
                        + $"{warm[warm.Count / 2]:0.000} | {ttftP99:0.###} |"));
            }
        }

        Console.WriteLine($"load average at the end {Machine.LoadAverage()}");
        await app.StopAsync();
        return 0;
    }
}
