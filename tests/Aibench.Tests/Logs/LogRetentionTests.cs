using Aibench.Logs;
using Aibench.Logs.Jobs;
using Aibench.Logs.Persistence;
using Aibench.Shared.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Aibench.Tests.Logs;

/// <summary>The retention job on a real, migrated store, with time moved by hand.</summary>
public sealed class LogRetentionTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("aibench-test-retention-");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero));
    private readonly PooledDbContextFactory<LogsDbContext> _factory;

    public LogRetentionTests()
    {
        var options = new DbContextOptionsBuilder<LogsDbContext>();
        ModuleDatabaseExtensions.Configure(options, DatabaseSettings.ForSqliteFile(Path.Combine(_folder.FullName, "logs.db")),
            LogsDbContext.SchemaName);
        _factory = new PooledDbContextFactory<LogsDbContext>(options.Options);
        using var db = _factory.CreateDbContext();
        db.Database.Migrate();
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _folder.Delete(recursive: true);
    }

    private LogRetentionJob Job(TimeSpan retention, long maxSize) =>
        new(_factory, new LogsSettings(retention, maxSize, LogsSettings.Load(new ConfigurationBuilder().Build(), []).Loki), _time,
            NullLogger<LogRetentionJob>.Instance);

    private async Task AddAsync(string prefix, int count, int length = 10, DateTimeOffset? stamped = null)
    {
        await using var db = await _factory.CreateDbContextAsync(Ct);
        db.Lines.AddRange(Enumerable.Range(0, count).Select(i => new LogLine
        {
            ServiceId = Guid.Empty,
            Stream = "stdout",
            // The text's own time says nothing about when a line arrived.
            Timestamp = stamped ?? _time.GetUtcNow(),
            Text = $"{prefix}{i}".PadRight(length, '.'),
        }));
        await db.SaveChangesAsync(Ct);
    }

    private async Task<List<string>> TextsAsync()
    {
        await using var db = await _factory.CreateDbContextAsync(Ct);
        return await db.Lines.OrderBy(l => l.Id).Select(l => l.Text).ToListAsync(Ct);
    }

    [Fact]
    public async Task Lines_go_once_they_arrived_longer_ago_than_the_retention_whatever_time_their_text_says()
    {
        var job = Job(TimeSpan.FromHours(2), long.MaxValue);
        await AddAsync("old", 30, stamped: new DateTimeOffset(2031, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await job.RunAsync(Ct);

        _time.Advance(TimeSpan.FromHours(1));
        await AddAsync("new", 20, stamped: new DateTimeOffset(2019, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await job.RunAsync(Ct);
        Assert.Equal(50, (await TextsAsync()).Count);

        _time.Advance(TimeSpan.FromHours(1.5));
        await job.RunAsync(Ct);
        var left = await TextsAsync();
        Assert.Equal(20, left.Count);
        Assert.All(left, t => Assert.StartsWith("new", t, StringComparison.Ordinal));

        // Nothing more to do until the next lines age; a second run deletes nothing.
        await job.RunAsync(Ct);
        Assert.Equal(20, (await TextsAsync()).Count);

        _time.Advance(TimeSpan.FromHours(1));
        await job.RunAsync(Ct);
        Assert.Empty(await TextsAsync());
    }

    [Fact]
    public async Task Beyond_the_size_limit_the_oldest_lines_go_down_to_nine_tenths_of_it()
    {
        await AddAsync("a", 100, length: 100);
        await AddAsync("b", 100, length: 100);
        await Job(TimeSpan.FromDays(30), 15_000).RunAsync(Ct);

        var left = await TextsAsync();
        Assert.Equal(135, left.Count);
        Assert.Equal("a65".PadRight(100, '.'), left[0]);
        Assert.Equal("b99".PadRight(100, '.'), left[^1]);

        await Job(TimeSpan.FromDays(30), 15_000).RunAsync(Ct);
        Assert.Equal(135, (await TextsAsync()).Count);
    }

    [Fact]
    public void Bad_retention_settings_are_errors_naming_their_key()
    {
        var errors = new List<string>();
        LogsSettings.Load(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Logs:Retention"] = "10m",
            ["Logs:MaxSize"] = "lots",
        }).Build(), errors);
        Assert.Single(errors, e => e.StartsWith("Logs:Retention:", StringComparison.Ordinal));
        Assert.Single(errors, e => e.StartsWith("Logs:MaxSize:", StringComparison.Ordinal));
        Assert.Equal(2, errors.Count);

        var settings = LogsSettings.Load(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Logs:Retention"] = "7d",
            ["Logs:MaxSize"] = "1.5GiB",
        }).Build(), errors = []);
        Assert.Empty(errors);
        Assert.Equal(TimeSpan.FromDays(7), settings.Retention);
        Assert.Equal((long)(1.5 * (1L << 30)), settings.MaxSize);
        Assert.Equal(2_000_000_000, LogsSettings.Load(new ConfigurationBuilder().Build(), []).MaxSize);
    }
}
