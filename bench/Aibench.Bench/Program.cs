using System.Diagnostics;
using System.Globalization;
using Aibench.Bench;

// Benchmarks measured as ratios within one run (never as timed tests). Usage: Aibench.Bench polling [--jobs 1,100,1000] [--cycles 10]
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine("usage: Aibench.Bench polling [--jobs 1,100,1000] [--cycles 10]   (needs a SLURM cluster: scripts/bench.sh starts one)");
    Console.WriteLine("       Aibench.Bench sim [--streams 100,500,1000,2000] [--itl-ms 25] [--tokens 200]");
    return args.Length == 0 ? 2 : 0;
}

var options = args.Skip(1).Chunk(2).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");
switch (args[0])
{
    case "polling":
        var jobs = (options.GetValueOrDefault("--jobs") ?? "1,100,1000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var cycles = int.Parse(options.GetValueOrDefault("--cycles") ?? "10", CultureInfo.InvariantCulture);
        return await PollingBenchmark.RunAsync(jobs, cycles);
    case "sim":
        var levels = (options.GetValueOrDefault("--streams") ?? "100,500,1000,2000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var itl = TimeSpan.FromMilliseconds(double.Parse(options.GetValueOrDefault("--itl-ms") ?? "25", CultureInfo.InvariantCulture));
        var tokens = int.Parse(options.GetValueOrDefault("--tokens") ?? "200", CultureInfo.InvariantCulture);
        return await SimBenchmark.RunAsync(levels, itl, tokens);
    default:
        Console.Error.WriteLine($"unknown benchmark '{args[0]}'");
        return 2;
}
