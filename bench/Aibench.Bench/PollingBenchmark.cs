using System.Diagnostics;
using System.Globalization;
using Aibench.Server;
using Aibench.Server.Scheduling;
using Microsoft.Extensions.Logging.Abstractions;

namespace Aibench.Bench;

/// <summary>
/// What one status-polling cycle costs with 1, 100 and 1,000 submitted jobs (held, so they stay pending): time per
/// cycle and SLURM commands per cycle, through the same SlurmCliScheduler the Server module polls with. The reference
/// is the 1-job cycle of the same run; the figure to read is the 1,000 : 1 ratio.
/// </summary>
internal static class PollingBenchmark
{
    public static async Task<int> RunAsync(int[] sizes, int cycles)
    {
        var runner = new CommandRunner();
        var settings = new SchedulerSettings("slurm", 2, TimeSpan.FromSeconds(60), 3, TimeSpan.FromMilliseconds(500), null, null, "v0.0.38", null,
            null, SchedulerSettings.DefaultBreaker);
        var slurm = new SlurmCliScheduler(runner, settings, NullLogger<SlurmCliScheduler>.Instance);
        if (!(await slurm.CheckAsync(CancellationToken.None)).Reachable)
        {
            Console.Error.WriteLine("SLURM does not answer; start a cluster first (scripts/bench.sh polling).");
            return 1;
        }

        var submitted = new List<string>();
        var results = new List<(int Jobs, double MedianMs, double P90Ms, double CallsPerCycle)>();
        try
        {
            foreach (var size in sizes.Order())
            {
                while (submitted.Count < size)
                {
                    submitted.Add(await HoldAsync(runner));
                }

                var ids = submitted.Take(size).ToList();
                await slurm.QueryAsync(ids, CancellationToken.None); // warm-up
                var times = new List<double>();
                var before = runner.Calls;
                for (var i = 0; i < cycles; i++)
                {
                    var watch = Stopwatch.StartNew();
                    var states = await slurm.QueryAsync(ids, CancellationToken.None);
                    times.Add(watch.Elapsed.TotalMilliseconds);
                    if (states.Count != size || states.Values.Any(s => s.State != "PENDING"))
                    {
                        Console.Error.WriteLine($"unexpected states with {size} jobs");
                        return 1;
                    }
                }

                times.Sort();
                results.Add((size, times[times.Count / 2], times[(int)(times.Count * 0.9)], (runner.Calls - before) / (double)cycles));
            }
        }
        finally
        {
            foreach (var chunk in submitted.Chunk(200))
            {
                await runner.RunAsync("scancel", chunk, TimeSpan.FromSeconds(60), CancellationToken.None);
            }
        }

        Console.WriteLine($"Status polling, SLURM CLI backend, {cycles} cycles per size (held jobs)");
        Console.WriteLine("jobs | median ms/cycle | p90 ms/cycle | SLURM calls/cycle");
        foreach (var r in results)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Jobs,4} | {r.MedianMs,15:0.0} | {r.P90Ms,12:0.0} | {r.CallsPerCycle,17:0.##}"));
        }

        var first = results[0];
        var last = results[^1];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ratio {last.Jobs}:{first.Jobs} — time per cycle {last.MedianMs / first.MedianMs:0.00}×, SLURM calls per cycle "
                + $"{last.CallsPerCycle / first.CallsPerCycle:0.00}×"));
        return 0;
    }

    private static async Task<string> HoldAsync(CommandRunner runner)
    {
        var result = await runner.RunAsync("sbatch", ["--parsable", "--hold", "--job-name=aibench-bench", "--output=/dev/null", "--wrap=true"],
            TimeSpan.FromSeconds(60), CancellationToken.None);
        if (result.ExitCode != 0) throw new InvalidOperationException($"sbatch: {result.Message}");
        return result.Stdout.Trim().Split(';')[0];
    }
}
