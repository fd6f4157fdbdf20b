using System.Diagnostics;
using System.Globalization;
using Aibench.Monitor;
using Aibench.Monitor.Features;
using Aibench.Monitor.Persistence;
using Aibench.Monitor.Scraping;
using Aibench.Shared.Persistence;
using Aibench.Simulator;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Bench;

/// <summary>
/// One experiment's worth of samples — replicas × their series × one scrape per interval for the experiment's length —
/// stored the way the scrape job stores them, then charted the way the Metrics page asks. Figures are ratios: time to
/// store one scrape ÷ the scrape interval, database bytes ÷ the raw exposition bytes, chart query time ÷ the interval.
/// </summary>
internal static class MonitorStoreBenchmark
{
    public static async Task<int> RunAsync(int replicas, int intervalSeconds, int minutes, string? postgres)
    {
        var exposition = await SimulatorExpositionAsync();
        var parsed = ExpositionParser.Parse(exposition);
        var scrapes = minutes * 60 / intervalSeconds;
        Console.WriteLine($"aibench metric storage, {Environment.ProcessorCount} cores, {TimeProvider.System.GetUtcNow():yyyy-MM-dd}");
        Console.WriteLine($"{replicas} replicas × {parsed.Samples.Count} samples per scrape × {scrapes} scrapes ({intervalSeconds} s for "
            + $"{minutes} min) " +
                          $"= {replicas * parsed.Samples.Count * scrapes:N0} samples; raw exposition {exposition.Length:N0} bytes per "
                              + $"replica and scrape");
        Console.WriteLine("database   | store ms/scrape p50 | p99 | ÷ interval | size MB | ÷ raw text | rate chart ms | quantile chart "
            + "ms | ÷ interval");

        var root = Directory.CreateTempSubdirectory("aibench-bench-monitor-").FullName;
        try
        {
            var sqlite = Path.Combine(root, "monitor.db");
            await MeasureAsync("sqlite", DatabaseSettings.ForSqliteFile(sqlite), () => Size(sqlite), parsed, replicas, intervalSeconds, scrapes,
                exposition.Length);
            if (postgres is not null)
            {
                await MeasureAsync("postgresql", new DatabaseSettings(DatabaseProvider.Postgres, postgres), null, parsed, replicas, intervalSeconds,
                    scrapes, exposition.Length);
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }

        return 0;
    }

    private static async Task MeasureAsync(string label, DatabaseSettings settings, Func<long>? size, Exposition parsed, int replicas, int interval,
        int scrapes, long rawBytes)
    {
        var options = new DbContextOptionsBuilder<MonitorDbContext>();
        ModuleDatabaseExtensions.Configure(options, settings, MonitorDbContext.SchemaName);
        var factory = new Factory(options.Options);
        await using (var db = factory.CreateDbContext())
        {
            await db.Database.MigrateAsync();
            await db.Samples.ExecuteDeleteAsync();
            await db.Series.ExecuteDeleteAsync();
        }

        var service = Guid.NewGuid();
        var writer = new SampleWriter(new SeriesCache());
        var start = new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero);
        var labels = Enumerable.Range(0, replicas).Select(r => parsed.Samples.Select(s => Merge(s.Labels, r)).ToArray()).ToArray();
        var times = new List<double>(scrapes);
        for (var i = 0; i < scrapes; i++)
        {
            var at = start.AddSeconds(i * interval);
            var began = Stopwatch.GetTimestamp();
            await using var db = factory.CreateDbContext();
            var batch = new List<NewSample>(replicas * parsed.Samples.Count);
            for (var r = 0; r < replicas; r++)
            {
                for (var k = 0; k < parsed.Samples.Count; k++)
                {
                    var s = parsed.Samples[k];
                    // Counters grow from scrape to scrape, as they would.
                    batch.Add(new NewSample(new SeriesKey(service, null, s.Name, labels[r][k]), at.ToUnixTimeMilliseconds(), s.Value + i));
                }
            }

            await writer.AddAsync(db, batch, default);
            await db.SaveChangesAsync();
            times.Add(Stopwatch.GetElapsedTime(began).TotalMilliseconds);
        }

        await using (var db = factory.CreateDbContext())
        {
            if (settings.Provider == DatabaseProvider.Sqlite)
            {
                await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE);");
            }
        }

        var bytes = size?.Invoke() ?? await PostgresSizeAsync(factory);
        var handler = new GetSeriesHandler(factory, new MonitorSettings(interval, TimeSpan.FromSeconds(3), TimeSpan.FromDays(14), false),
            TimeProvider.System);
        var to = start.AddMinutes(scrapes * interval / 60.0);
        var rate = await TimeAsync(() => handler.Handle(new GetSeries(service, null, "vllm:generation_tokens_total", start, to, "rate", Sum: true),
            default).AsTask());
        var quantile = await TimeAsync(()
            => handler.Handle(new GetSeries(service, null, "vllm:time_to_first_token_seconds", start, to, "quantile", 0.99), default).AsTask());
        times.Sort();
        var p50 = times[times.Count / 2];
        var p99 = times[(int)Math.Min(times.Count - 1, Math.Ceiling(times.Count * 0.99) - 1)];
        var raw = rawBytes * replicas * (long)scrapes;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label,-10} | {p50,19:0.0} | {p99,3:0.0} | {p50 / (interval * 1000.0),10:0.0000} | {bytes / 1e6,7:0.0} | {(double)bytes / raw,10:0.00} "
                + $"| {rate,13:0.0} | {quantile,17:0.0} | {Math.Max(rate, quantile) / (interval * 1000.0),10:0.0000}"));
    }

    private static async Task<double> TimeAsync(Func<Task> action)
    {
        await action(); // warm
        var began = Stopwatch.GetTimestamp();
        await action();
        return Stopwatch.GetElapsedTime(began).TotalMilliseconds;
    }

    private static string Merge(string labels, int replica)
    {
        var merged = new Dictionary<string, string>(LabelText.Parse(labels))
            { ["job"] = "service", ["replica"] = replica.ToString(CultureInfo.InvariantCulture), ["node"] = $"node{replica + 1}" };
        return LabelText.Format(merged);
    }

    private static long Size(string path) => new FileInfo(path).Length + (File.Exists(path + "-wal") ? new FileInfo(path + "-wal").Length : 0);

    private static async Task<long> PostgresSizeAsync(Factory factory)
    {
        await using var db = factory.CreateDbContext();
        return await db.Database.SqlQueryRaw<long>(
            "SELECT pg_total_relation_size('monitor.metric_samples') + pg_total_relation_size('monitor.metric_series') AS \"Value\"").SingleAsync();
    }

    /// <summary>The simulator's real /metrics after some traffic, so histograms have counts in their buckets.</summary>
    private static async Task<byte[]> SimulatorExpositionAsync()
    {
        var server = new SimServer(new SimOptions { Port = 0, Ttft = TimeSpan.FromMilliseconds(1), Itl = TimeSpan.FromMilliseconds(1) });
        var app = server.Build();
        await app.StartAsync();
        try
        {
            var url = SimServer.Address(app);
            using var http = new HttpClient();
            for (var i = 0; i < 20; i++)
            {
                using var content = new StringContent("""{"model":"sim-model","prompt":"hello there","max_tokens":8}""", System.Text.Encoding.UTF8,
                    "application/json");
                (await http.PostAsync(url + "/v1/completions", content)).EnsureSuccessStatusCode();
            }

            return await http.GetByteArrayAsync(url + "/metrics");
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private sealed class Factory(DbContextOptions<MonitorDbContext> options) : IDbContextFactory<MonitorDbContext>
    {
        public MonitorDbContext CreateDbContext() => new(options);
    }
}
