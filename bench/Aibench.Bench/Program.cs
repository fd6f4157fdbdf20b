using System.Diagnostics;
using System.Globalization;
using Aibench.Bench;

// Benchmarks measured as ratios within one run (never as timed tests). Usage: Aibench.Bench polling [--jobs 1,100,1000] [--cycles 10]
if (args is ["serve", ..])
{
    // Hidden: the endpoint child process of the loadgen benchmark.
    return await ChildEndpoint.ServeAsync(args[1..]);
}

if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine("usage: Aibench.Bench polling [--jobs 1,100,1000] [--cycles 10]   (needs a SLURM cluster: scripts/bench.sh starts one)");
    Console.WriteLine("       Aibench.Bench sim [--streams 100,500,1000,2000] [--itl-ms 25] [--tokens 200]");
    Console.WriteLine("       Aibench.Bench monitor-store [--replicas 4] [--interval 5] [--minutes 10] [--postgres CONNECTION]");
    Console.WriteLine("       Aibench.Bench loadgen [--quick] [--seconds 10] [--rates 500,1000,2000] [--streams 250,500,1000,2000]   (wrk on PATH "
        + "for the reference)");
    Console.WriteLine("       Aibench.Bench monitor-parse [--seconds 1] [--rounds 5]");
    Console.WriteLine("       Aibench.Bench distributed [--rate 400] [--seconds 15] [--workers 4]   (needs a SLURM cluster: "
        + "scripts/bench.sh starts one)");
    Console.WriteLine("       Aibench.Bench tokenizer --tokenizer PATH [--distinct 1,10,100] [--count 1000] [--input 1024]   (scripts/bench.sh "
        + "fetches a Qwen3 tokenizer.json)");
    Console.WriteLine("       Aibench.Bench calibration [--binary src/Host/bin/Release/net10.0/aibench] [--seconds 1,3,5] [--repeats 3]");
    Console.WriteLine("       Aibench.Bench capacity [--tolerance 0.05] [--min-requests 150] [--start 16]");
    Console.WriteLine("       Aibench.Bench logs [--rates 10000,50000,75000,100000] [--seconds 20]   (coreutils tail on PATH for the reference)");
    Console.WriteLine("       Aibench.Bench report [--requests 100000] [--rounds 5]");
    return args.Length == 0 ? 2 : 0;
}

// "--name value" pairs; a name followed by another name (or by nothing) is a switch such as --quick.
var options = new Dictionary<string, string>();
for (var i = 1; i < args.Length; i++)
{
    var hasValue = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal);
    options[args[i]] = hasValue ? args[++i] : "";
}

switch (args[0])
{
    case "polling":
        var jobs = (options.GetValueOrDefault("--jobs") ?? "1,100,1000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var cycles = int.Parse(options.GetValueOrDefault("--cycles") ?? "10", CultureInfo.InvariantCulture);
        return await PollingBenchmark.RunAsync(jobs, cycles);
    case "capacity":
        return await CapacityBenchmark.RunAsync(
            double.Parse(options.GetValueOrDefault("--tolerance") ?? "0.05", CultureInfo.InvariantCulture),
            int.Parse(options.GetValueOrDefault("--min-requests") ?? "150", CultureInfo.InvariantCulture),
            double.Parse(options.GetValueOrDefault("--start") ?? "16", CultureInfo.InvariantCulture));
    case "sim":
        var levels = (options.GetValueOrDefault("--streams") ?? "100,500,1000,2000").Split(',').Select(s
            => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var itl = TimeSpan.FromMilliseconds(double.Parse(options.GetValueOrDefault("--itl-ms") ?? "25", CultureInfo.InvariantCulture));
        var tokens = int.Parse(options.GetValueOrDefault("--tokens") ?? "200", CultureInfo.InvariantCulture);
        return await SimBenchmark.RunAsync(levels, itl, tokens);
    case "loadgen":
        var settings = options.ContainsKey("--quick") ? LoadGenSettings.Quick : LoadGenSettings.Full;
        if (options.GetValueOrDefault("--seconds") is { } seconds) settings = settings with
            { Seconds = int.Parse(seconds, CultureInfo.InvariantCulture) };
        if (options.GetValueOrDefault("--rates") is { } rates) settings = settings with
            { Rates = [.. rates.Split(',').Select(s => double.Parse(s, CultureInfo.InvariantCulture))] };
        if (options.GetValueOrDefault("--streams") is { } streams) settings = settings with
            { Streams = [.. streams.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))] };
        return await LoadGenBenchmark.RunAsync(settings);
    case "monitor-store":
        return await MonitorStoreBenchmark.RunAsync(
            int.Parse(options.GetValueOrDefault("--replicas") ?? "4", CultureInfo.InvariantCulture),
            int.Parse(options.GetValueOrDefault("--interval") ?? "5", CultureInfo.InvariantCulture),
            int.Parse(options.GetValueOrDefault("--minutes") ?? "10", CultureInfo.InvariantCulture),
            options.GetValueOrDefault("--postgres"));
    case "monitor-parse":
        var perMeasure = double.Parse(options.GetValueOrDefault("--seconds") ?? "1", CultureInfo.InvariantCulture);
        var rounds = int.Parse(options.GetValueOrDefault("--rounds") ?? "5", CultureInfo.InvariantCulture);
        return MonitorParseBenchmark.Run(perMeasure, rounds);
    case "report":
        return await ReportBenchmark.RunAsync(int.Parse(options.GetValueOrDefault("--requests") ?? "100000", CultureInfo.InvariantCulture),
            int.Parse(options.GetValueOrDefault("--rounds") ?? "5", CultureInfo.InvariantCulture));
    case "logs":
        var lineRates = (options.GetValueOrDefault("--rates") ?? "10000,50000,75000,100000").Split(',').Select(s
            => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var logSeconds = double.Parse(options.GetValueOrDefault("--seconds") ?? "20", CultureInfo.InvariantCulture);
        return await LogsBenchmark.RunAsync(lineRates, logSeconds);
    case "tokenizer":
        return await TokenizerBenchmark.RunAsync(
            options.GetValueOrDefault("--tokenizer") ?? throw new ArgumentException("--tokenizer PATH is needed"),
            [.. (options.GetValueOrDefault("--distinct") ?? "1,10,100").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))],
            int.Parse(options.GetValueOrDefault("--count") ?? "1000", CultureInfo.InvariantCulture),
            int.Parse(options.GetValueOrDefault("--input") ?? "1024", CultureInfo.InvariantCulture));
    case "distributed":
        return await DistributedBenchmark.RunAsync(
            double.Parse(options.GetValueOrDefault("--rate") ?? "400", CultureInfo.InvariantCulture),
            int.Parse(options.GetValueOrDefault("--seconds") ?? "15", CultureInfo.InvariantCulture),
            int.Parse(options.GetValueOrDefault("--workers") ?? "4", CultureInfo.InvariantCulture));
    case "calibration":
        return await CalibrationBenchmark.RunAsync(
            Path.GetFullPath(options.GetValueOrDefault("--binary") ?? "src/Host/bin/Release/net10.0/aibench"),
            [.. (options.GetValueOrDefault("--seconds") ?? "1,3,5").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))],
            int.Parse(options.GetValueOrDefault("--repeats") ?? "3", CultureInfo.InvariantCulture));
    default:
        Console.Error.WriteLine($"unknown benchmark '{args[0]}'");
        return 2;
}
