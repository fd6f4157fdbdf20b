using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Aibench.Client.LoadGen;
using Aibench.Client.LoadGen.Datasets;
using Aibench.Contracts.Client;

namespace Aibench.Bench;

/// <summary>Durations and levels of the <c>loadgen</c> benchmark; <see cref="Quick"/> is a smoke run of the same shape.</summary>
internal sealed record LoadGenSettings(int Seconds, double[] Rates, int[] Streams, int StreamSeconds, int StreamTokens, double TtftMs, double ItlMs)
{
    public const int Connections = 64;
    public const int BaselineStreams = 10;

    public static LoadGenSettings Full { get; } = new(10, [500, 1000, 2000], [250, 500, 1000, 2000], 8, 200, 50, 20);

    public static LoadGenSettings Quick { get; } = new(3, [500, 1000, 2000], [250, 500, 1000, 2000], 3, 100, 50, 20);
}

/// <summary>
/// The load generator measured against references taken in the same run: its request rate against wrk's on the
/// same endpoint, its open-loop arrival rate and lag against the target, and per-stream cost and timing of many open
/// SSE streams against a small baseline. The endpoints run in a child process (see <see cref="ChildEndpoint"/>).
/// </summary>
internal static partial class LoadGenBenchmark
{
    public static async Task<int> RunAsync(LoadGenSettings settings)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"aibench load generator, {Environment.ProcessorCount} cores, {TimeProvider.System.GetUtcNow():yyyy-MM-dd}, endpoints in a child "
                + $"process, load average {Machine.LoadAverage()}"));
        var failed = false;

        // Streams first: the working set only shrinks lazily, so the request-rate runs would inflate the baseline level's.
        await using (var sim = await ChildEndpoint.StartAsync("sim", settings.TtftMs.ToString(CultureInfo.InvariantCulture),
            settings.ItlMs.ToString(CultureInfo.InvariantCulture)))
        {
            failed |= !await StreamsAsync(sim.Url, settings);
        }

        await using (var endpoint = await ChildEndpoint.StartAsync("fixed"))
        {
            failed |= !await RateVsWrkAsync(endpoint.Url, settings);
            failed |= !await OpenLoopAsync(endpoint.Url, settings);
        }

        // Other work on the machine shows up as lag and jitter; the load average says how much there was.
        Console.WriteLine();
        Console.WriteLine($"load average at the end {Machine.LoadAverage()}");
        return failed ? 1 : 0;
    }

    /// <summary>Closed loop at 64 connections, non-streaming, against a fixed answer: the client's own ceiling.</summary>
    private static async Task<bool> RateVsWrkAsync(Uri url, LoadGenSettings settings)
    {
        var spec = new BenchmarkSpec(
            Stream: false,
            Load: new LoadShape("concurrency", Concurrency: LoadGenSettings.Connections),
            Duration: $"{settings.Seconds}s",
            Dataset: "random:input=4,output=1,count=1");
        var (plan, prompts) = Prepare(spec, url);

        // JIT, connections and the server's first requests are paid here, so neither measured client pays them.
        await RunAsync(Prepare(spec with { Duration = "2s" }, url));

        var wrkPath = Machine.FindOnPath("wrk");
        double? wrkRate = null;
        if (wrkPath is null)
        {
            Console.WriteLine("wrk not found on PATH: the reference is skipped (apt-get install wrk; scripts/bench.sh installs it as root)");
        }
        else
        {
            // The exact body the load generator sends, so both clients ask the same of the server.
            wrkRate = await WrkAsync(wrkPath, plan.Endpoints[0], OpenAiWire.Body(plan, prompts[0]), settings.Seconds);
            if (wrkRate is null) return false;
        }

        var (_, summary) = await RunAsync((plan, prompts));
        var overall = summary.Overall;
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Request rate vs wrk, closed loop, {LoadGenSettings.Connections} connections, {settings.Seconds} s, non-streaming, fixed answer"));
        Console.WriteLine("client | req/s | errors");
        if (wrkRate is { } w) Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrk -t1 | {w,9:0} | {0}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"loadgen | {overall.RequestThroughput,9:0} | {overall.Failed}"));
        if (wrkRate is { } reference)
        {
            var ratio = overall.RequestThroughput / reference;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ratio loadgen / wrk = {ratio:0.00} (goal >= 0.5: {(ratio >= 0.5 ? "met" : "not met")})"));
        }

        return overall.Failed == 0;
    }

    private static async Task<double?> WrkAsync(string wrk, Uri endpoint, byte[] body, int seconds)
    {
        var text = Encoding.UTF8.GetString(body);
        // A Lua long string needs no escaping; pick a level whose closing bracket the body does not contain.
        var level = new string('=', Enumerable.Range(1, 10).First(n => !text.Contains("]" + new string('=', n) + "]", StringComparison.Ordinal)));
        var script = Path.Combine(Path.GetTempPath(), $"aibench-wrk-{Environment.ProcessId}.lua");
        await File.WriteAllTextAsync(script,
            $"wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.body = [{level}[{text}]{level}]\n");
        try
        {
            var start = new ProcessStartInfo(wrk) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in new[] { "-t1", $"-c{LoadGenSettings.Connections}", $"-d{seconds}s", "-s", script,
                new Uri(endpoint, "v1/completions").ToString() })
            {
                start.ArgumentList.Add(arg);
            }

            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            var output = await stdout;
            var rate = RequestsPerSec().Match(output);
            var bad = NonSuccess().Match(output);
            if (process.ExitCode != 0 || !rate.Success || bad.Success || output.Contains("Socket errors", StringComparison.Ordinal))
            {
                Console.Error.WriteLine($"wrk failed or saw errors (exit {process.ExitCode}):\n{output}{await stderr}");
                return null;
            }

            return double.Parse(rate.Groups[1].Value, CultureInfo.InvariantCulture);
        }
        finally
        {
            File.Delete(script);
        }
    }

    /// <summary>Constant arrivals, one step per rate; a short warm-up per step keeps connection set-up out of the figures.</summary>
    private static async Task<bool> OpenLoopAsync(Uri url, LoadGenSettings settings)
    {
        var spec = new BenchmarkSpec(
            Stream: false,
            Load: new LoadShape("sweep", Arrival: "constant", Rates: settings.Rates),
            Duration: $"{settings.Seconds}s",
            Warmup: "500ms",
            Dataset: "random:input=4,output=1,count=1");
        var (_, summary) = await RunAsync(Prepare(spec, url));
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Open-loop precision, constant arrivals, {settings.Seconds} s per rate (first 0.5 s not counted), fixed answer"));
        Console.WriteLine("target req/s | achieved req/s | achieved / target | lag p50 ms | lag p99 ms | lag max ms | errors");
        var ok = true;
        foreach (var step in summary.Steps)
        {
            var achieved = step.AchievedRate ?? 0;
            var lag = step.ScheduleLagMs;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{step.TargetRate,12:0} | {achieved,14:0.0} | {achieved / step.TargetRate!.Value,17:0.0000} | {lag?.P50,10:0.000} | "
                    + $"{lag?.P99,10:0.000} | {lag?.Max,10:0.000} | {step.Failed}"));
            ok &= step.Failed == 0;
        }

        return ok;
    }

    /// <summary>
    /// Closed loop at rising stream counts against the simulator's fixed latencies. Memory per stream is the rise of
    /// this process's managed heap and working set over a small baseline level, sampled while the streams are open;
    /// no collection is forced during a level, since its pause would land in the very inter-token gaps measured.
    /// </summary>
    private static async Task<bool> StreamsAsync(Uri url, LoadGenSettings settings)
    {
        var spec = new BenchmarkSpec(
            Stream: true,
            Duration: $"{settings.StreamSeconds}s",
            Warmup: "1s",
            Dataset: $"random:input=16,output={settings.StreamTokens},count=200");
        var levels = new[] { LoadGenSettings.BaselineStreams }.Concat(settings.Streams).ToArray();
        var results = new List<(int Streams, RunOutcome Outcome, StepResult Result, Memory Memory)>();
        foreach (var streams in levels)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var levelSpec = spec with { Load = new LoadShape("concurrency", Concurrency: streams) };
            var memory = new Memory();
            var (outcome, summary) = await RunAsync(Prepare(levelSpec, url), (runner, ct) => memory.SampleAsync(runner, streams, ct));
            results.Add((streams, outcome, summary.Overall, memory));
        }

        var baseline = results[0];
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Streams, closed loop, simulator fixed latency (ttft {settings.TtftMs} ms, itl {settings.ItlMs} ms), {settings.StreamTokens} tokens per "
                + $"stream, {settings.StreamSeconds} s per level (first 1 s not counted)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"streams | max in flight | errors | lag p99 ms | ITL p50 ms | ITL p99 ms | ITL p99 / {settings.ItlMs} ms | heap KiB/stream | working "
                + $"set KiB/stream"));
        var ok = true;
        foreach (var (streams, outcome, result, memory) in results)
        {
            var perStream = streams == baseline.Streams ? "baseline" : null;
            string PerStream(double value, double reference) =>
                perStream ?? ((value - reference) / 1024 / (streams - baseline.Streams)).ToString("0.0", CultureInfo.InvariantCulture);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{streams,7} | {outcome.MaxInFlight,13} | {result.Failed,6} | {result.ScheduleLagMs?.P99,10:0.000} | {result.ItlMs?.P50,10:0.00} | "
                    + $"{result.ItlMs?.P99,10:0.00} | {result.ItlMs?.P99 / settings.ItlMs,15:0.00} | "
                        + $"{PerStream(memory.HeapBytes, baseline.Memory.HeapBytes),15} | "
                            + $"{PerStream(memory.WorkingSetBytes, baseline.Memory.WorkingSetBytes),22}"));
            ok &= result.Failed == 0;
        }

        var top = results[^1];
        var lagP99 = top.Result.ScheduleLagMs?.P99 ?? double.NaN;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"goal >= 2000 streams with lag p99 <= 1 ms: "
                + $"{(top.Outcome.MaxInFlight >= 2000 && lagP99 <= 1 && top.Result.Failed == 0 ? "met" : "not met")} ({top.Outcome.MaxInFlight} "
                    + $"streams, lag p99 {lagP99:0.000} ms)"));
        return ok;
    }

    private static (LoadPlan Plan, PromptSet Prompts) Prepare(BenchmarkSpec spec, Uri url)
    {
        spec = spec with { Urls = [url.ToString()] };
        var validation = new BenchmarkSpecValidator().Validate(spec);
        if (!validation.IsValid)
        {
            throw new InvalidOperationException(string.Join("; ", validation.Errors.Select(e => $"{e.PropertyName}: {e.ErrorMessage}")));
        }

        BenchmarkSpecValidator.TryEndpoint(spec.Urls[0], out var endpoint);
        return (LoadPlan.From(spec, [endpoint], "sim-model"), DatasetLoader.Load(spec.Dataset, spec.Api, spec.Seed, CancellationToken.None));
    }

    private static async Task<(RunOutcome Outcome, RunSummary Summary)> RunAsync(
        (LoadPlan Plan, PromptSet Prompts) prepared, Func<LoadRunner, CancellationToken, Task>? alongside = null)
    {
        using var runner = new LoadRunner(prepared.Plan, prepared.Prompts);
        using var stop = new CancellationTokenSource();
        var side = alongside?.Invoke(runner, stop.Token) ?? Task.CompletedTask;
        var outcome = await runner.RunAsync(prepared.Prompts.Description, null, CancellationToken.None);
        await stop.CancelAsync();
        await side;
        return (outcome, Summarizer.Summarize(outcome));
    }

    [GeneratedRegex(@"Requests/sec:\s+([0-9.]+)")]
    private static partial Regex RequestsPerSec();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+[0-9]+")]
    private static partial Regex NonSuccess();

    /// <summary>This process's memory while a level's streams are all open: medians of samples every 100 ms.</summary>
    private sealed class Memory
    {
        private readonly List<long> _heap = [];
        private readonly List<long> _workingSet = [];

        /// <summary>Managed heap as the last collection left it: allocations since then are garbage-to-be, not stream state.</summary>
        public double HeapBytes => Median(_heap);

        public double WorkingSetBytes => Median(_workingSet);

        public async Task SampleAsync(LoadRunner runner, int streams, CancellationToken ct)
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
            try
            {
                while (await timer.WaitForNextTickAsync(ct))
                {
                    if (runner.Snapshot().InFlight >= streams * 0.95)
                    {
                        _heap.Add(GC.GetGCMemoryInfo().HeapSizeBytes);
                        _workingSet.Add(Environment.WorkingSet);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // The level ended.
            }
        }

        private static double Median(List<long> values) => values.Count == 0 ? double.NaN : values.Order().ElementAt(values.Count / 2);
    }
}
