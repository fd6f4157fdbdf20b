using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Aibench.Monitor.Scraping;
using Aibench.Simulator;

namespace Aibench.Bench;

/// <summary>
/// Throughput of the Monitor module's exposition parser on the simulator's vLLM metrics for 4 replicas, on one
/// thread. References measured in the same run: merely splitting the bytes into lines (the floor any parser pays) and
/// a naive regex parser (decode to a string, one regex match per line, double.Parse).
/// </summary>
internal static partial class MonitorParseBenchmark
{
    public static int Run(double secondsPerMeasure, int rounds)
    {
        var bytes = Encoding.UTF8.GetBytes(Exposition(replicas: 4));
        var expected = ExpositionParser.Parse(bytes);
        if (expected.Malformed != 0) throw new InvalidOperationException("the simulator's exposition does not parse: "
            + string.Join("; ", expected.MalformedExamples));
        if (NaiveRegexParse(bytes) != expected.Samples.Count) throw new
            InvalidOperationException("the regex reference disagrees on the sample count");
        var samples = expected.Samples.Count;

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"aibench monitor-parse: simulator vLLM exposition, 4 replicas, {bytes.Length} bytes, {samples} samples, one thread, median of {rounds} "
                + $"rounds of {secondsPerMeasure} s"));
        var measures = new (string Name, Func<int> Parse)[]
        {
            ("ExpositionParser (strings cached, steady scrape)", () => ExpositionParser.Parse(bytes).Samples.Count),
            ("ExpositionParser (cache forgotten, first scrape)", () =>
            {
                ExpositionParser.ForgetCachedStrings();
                return ExpositionParser.Parse(bytes).Samples.Count;
            }),
            ("reference: split into lines only", () => SplitLines(bytes)),
            ("reference: naive regex parser", () => NaiveRegexParse(bytes)),
        };

        // Rounds interleave the methods, so that load from other work on the machine hits them all alike.
        foreach (var (_, parse) in measures)
        {
            for (var i = 0; i < 200; i++) parse();
        }

        var rates = measures.Select(_ => new List<double>()).ToList();
        for (var round = 0; round < rounds; round++)
        {
            for (var m = 0; m < measures.Length; m++) rates[m].Add(Measure(measures[m].Parse, secondsPerMeasure));
        }

        var results = measures.Select((m, i) => (m.Name, PerSecond: rates[i].Order().ElementAt(rounds / 2))).ToList();
        var parser = results[0].PerSecond;
        Console.WriteLine("method | parses/s | samples/s | MB/s | time vs parser");
        foreach (var (name, perSecond) in results)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name} | {perSecond:0} | {perSecond * samples / 1e6:0.00} M | {perSecond * bytes.Length / 1e6:0} | {parser / perSecond:0.00}×"));
        }

        return 0;
    }

    /// <summary>What 4 vLLM replicas expose: each its own engine label, prometheus_client's label order (le not first).</summary>
    internal static string Exposition(int replicas)
    {
        var text = new StringBuilder();
        for (var replica = 0; replica < replicas; replica++)
        {
            var metrics = new SimMetrics("meta-llama/Llama-3.1-8B-Instruct");
            var random = new Random(replica);
            for (var i = 0; i < 5000; i++)
            {
                metrics.Ttft.Observe(random.NextDouble() * 0.5);
                metrics.Itl.Observe(random.NextDouble() * 0.05);
                metrics.E2e.Observe(random.NextDouble() * 20);
                metrics.Queue.Observe(random.NextDouble());
                metrics.Prefill.Observe(random.NextDouble() * 0.3);
                metrics.Decode.Observe(random.NextDouble() * 19);
                metrics.PromptTokens.Observe(random.Next(10, 4000));
                metrics.GenerationTokens.Observe(random.Next(10, 1000));
                metrics.Finished(random.Next(3) == 0 ? "length" : "stop");
            }

            metrics.Tokens(5000 * 2000, 5000 * 500);
            metrics.Running = 37 + replica;
            metrics.Waiting = replica;
            metrics.KvCacheUsage = 0.4321 + replica / 100.0;
            text.Append(metrics.Render().Replace("model_name=\"meta-llama/Llama-3.1-8B-Instruct\"",
                $"model_name=\"meta-llama/Llama-3.1-8B-Instruct\",engine=\"{replica}\"", StringComparison.Ordinal));
        }

        return text.ToString();
    }

    private static double Measure(Func<int> parse, double seconds)
    {
        var iterations = 0;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed.TotalSeconds < seconds)
        {
            for (var i = 0; i < 20; i++) parse();
            iterations += 20;
        }

        return iterations / watch.Elapsed.TotalSeconds;
    }

    private static int SplitLines(ReadOnlySpan<byte> bytes)
    {
        var lines = 0;
        while (!bytes.IsEmpty)
        {
            var newline = bytes.IndexOf((byte)'\n');
            var line = newline < 0 ? bytes : bytes[..newline];
            bytes = newline < 0 ? default : bytes[(newline + 1)..];
            if (!line.IsEmpty && line[0] != (byte)'#') lines++;
        }

        return lines;
    }

    private static int NaiveRegexParse(byte[] bytes)
    {
        var samples = new List<(string Name, string Labels, double Value)>();
        foreach (var line in Encoding.UTF8.GetString(bytes).Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var match = SampleLine().Match(line);
            if (!match.Success) continue;
            var value = match.Groups[3].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                var v => double.Parse(v, CultureInfo.InvariantCulture),
            };
            samples.Add((match.Groups[1].Value, match.Groups[2].Value, value));
        }

        return samples.Count;
    }

    [GeneratedRegex("""^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})?\s+(\S+)(?:\s+(-?\d+))?\s*$""")]
    private static partial Regex SampleLine();
}
