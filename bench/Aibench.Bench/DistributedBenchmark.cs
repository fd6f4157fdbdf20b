using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Aibench.Client.LoadGen;
using Aibench.Client.LoadGen.Datasets;
using Aibench.Client.LoadGen.Distributed;
using Aibench.Contracts.Client;
using Aibench.Server.Scheduling;
using Aibench.Simulator;

namespace Aibench.Bench;

/// <summary>
/// The same total load from one in-process generator and from 4 workers as a SLURM job on the test cluster (files
/// reporting, merged exactly as the host does): achieved rate and schedule-lag p99 of each, as ratios. Everything runs
/// on this machine, so the figures compare the two ways of generating load, not what separate nodes would add.
/// </summary>
internal static class DistributedBenchmark
{
    public static async Task<int> RunAsync(double rate, int seconds, int workers)
    {
        if (Environment.GetEnvironmentVariable("SLURM_CONF") is not { Length: > 0 })
        {
            Console.Error.WriteLine("needs the SLURM test cluster: run it as scripts/bench.sh distributed, which starts one");
            return 2;
        }

        var binary = Environment.GetEnvironmentVariable("AIBENCH_BINARY")
            ?? Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "src", "Host", "bin", "Release", "net10.0", "aibench");
        binary = Path.GetFullPath(binary);
        if (!File.Exists(binary))
        {
            Console.Error.WriteLine($"the aibench binary is not at {binary}: build src/Host -c Release or set AIBENCH_BINARY");
            return 2;
        }

        var server = new SimServer(new SimOptions { Port = 0, Ttft = TimeSpan.FromMilliseconds(20), Itl = TimeSpan.FromMilliseconds(5) });
        await using var app = server.Build();
        await app.StartAsync();
        var url = new Uri(SimServer.Address(app));
        var spec = new BenchmarkSpec(Urls: [url.ToString()], Load: new LoadShape("rate", Rate: rate), Duration: $"{seconds}s",
            Dataset: "random:input=32,output=8");

        Console.WriteLine($"distributed load generation: {rate} req/s poisson for {seconds} s against one simulator; {workers} SLURM workers vs 1 "
            + $"in-process generator ({Machine.LoadAverage()})");
        var inProcess = await InProcessAsync(spec, url);
        var distributed = await DistributedAsync(spec, url, workers, binary);
        if (distributed is null)
        {
            return 1;
        }

        Console.WriteLine("variant        | target req/s | achieved req/s | achieved/target | lag p99 ms | completed");
        foreach (var (name, s) in new[] { ("in-process", inProcess), ($"{workers} workers", distributed) })
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-14} | {rate,12:0.#} | {s.AchievedRate,14:0.##} | {s.AchievedRate / rate,15:0.000} | {s.ScheduleLagMs?.P99,10:0.###} "
                    + $"| {s.Completed}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ratio {workers} workers / in-process: achieved rate {distributed.AchievedRate / inProcess.AchievedRate:0.000}, lag p99 "
                + $"{distributed.ScheduleLagMs?.P99 / inProcess.ScheduleLagMs?.P99:0.00}"));
        return 0;
    }

    private static async Task<StepResult> InProcessAsync(BenchmarkSpec spec, Uri url)
    {
        var prompts = DatasetLoader.Load(spec.Dataset, spec.Api, spec.Seed, CancellationToken.None);
        var plan = LoadPlan.From(spec, [url], "sim-model");
        using var runner = new LoadRunner(plan, prompts);
        return Summarizer.Summarize(await runner.RunAsync(prompts.Description, null, CancellationToken.None)).Overall;
    }

    private static async Task<StepResult?> DistributedAsync(BenchmarkSpec spec, Uri url, int workers, string binary)
    {
        var id = Guid.CreateVersion7();
        var folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"aibench-bench-dist-{id:N}")).FullName;
        try
        {
            var plan = LoadPlan.From(spec, [url], "sim-model");
            var starts = WorkerShare.StepStarts(plan.Steps.Count,
                TimeSpan.FromSeconds(double.Parse(spec.Duration!.TrimEnd('s'), CultureInfo.InvariantCulture)), plan.Timeout);
            var config = new WorkerConfig(id, spec, [url.ToString()], "sim-model", workers,
                DateTimeOffset.UtcNow.AddSeconds(10).ToUnixTimeMilliseconds(), starts,
                null, null, "files");
            await File.WriteAllTextAsync(Path.Combine(folder, WorkerJobSpec.ConfigFile), JsonSerializer.Serialize(config, Json.Options));
            var rendered = WorkerJobRenderer.Render(new WorkerJobSpec(id, workers, 1, null, null, TimeSpan.FromMinutes(10), folder)
                { AibenchBinary = binary });
            Directory.CreateDirectory(Path.Combine(folder, "workers"));
            await File.WriteAllTextAsync(Path.Combine(folder, RenderedJob.EnvFile), rendered.EnvScript);
            await File.WriteAllTextAsync(Path.Combine(folder, RenderedJob.BatchFile), rendered.BatchScript);
            await File.WriteAllTextAsync(Path.Combine(folder, RenderedJob.TaskFile), rendered.TaskScript);
            using (var sbatch = Process.Start(new ProcessStartInfo("sbatch", ["--parsable", Path.Combine(folder, RenderedJob.BatchFile)])
                { WorkingDirectory = folder })!)
            {
                await sbatch.WaitForExitAsync();
            }

            var until = DateTime.UtcNow.AddSeconds(120);
            while (Enumerable.Range(0, workers).Any(w => !File.Exists(WorkerFiles.Final(folder, w))) && DateTime.UtcNow < until)
            {
                await Task.Delay(500);
            }

            var finals = Enumerable.Range(0, workers).Select(w
                => WorkerFiles.TryRead<WorkerFinal>(WorkerFiles.Final(folder, w))).OfType<WorkerFinal>().ToList();
            if (finals.Count < workers)
            {
                Console.Error.WriteLine($"only {finals.Count} of {workers} workers reported; see {folder}/task-*.err");
                return null;
            }

            return Summarizer.Summarize(WorkerMerge.Merge(plan, finals, [], cancelled: false).Outcome).Overall;
        }
        finally
        {
            if (Environment.GetEnvironmentVariable("AIBENCH_BENCH_KEEP") != "1") Directory.Delete(folder, recursive: true);
        }
    }
}
