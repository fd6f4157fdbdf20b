using Aibench.Logs.Features;
using Aibench.Logs.Persistence;
using Aibench.Logs.Tailing;
using Aibench.Shared.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Aibench.Tests.Logs;

/// <summary>The live stream handler with a real store and broadcaster, without a host: how it copes with a slow reader.</summary>
public sealed class LiveStreamTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("aibench-test-stream-");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _folder.Delete(recursive: true);
    }

    private async Task<PooledDbContextFactory<LogsDbContext>> StoreAsync()
    {
        var options = new DbContextOptionsBuilder<LogsDbContext>();
        ModuleDatabaseExtensions.Configure(options, DatabaseSettings.ForSqliteFile(Path.Combine(_folder.FullName, "logs.db")),
            LogsDbContext.SchemaName);
        var factory = new PooledDbContextFactory<LogsDbContext>(options.Options);
        await using var db = await factory.CreateDbContextAsync(Ct);
        await db.Database.MigrateAsync(Ct);
        return factory;
    }

    private static async Task<List<LogLine>> CommitAsync(PooledDbContextFactory<LogsDbContext> factory, LogBroadcaster broadcaster,
        List<LogLine> rows)
    {
        await using var db = await factory.CreateDbContextAsync(Ct);
        await using var transaction = await db.Database.BeginTransactionAsync(Ct);
        await BulkInsert.InsertAsync(db, rows, Ct);
        await transaction.CommitAsync(Ct);
        broadcaster.Publish([.. rows.Select(ListLogsHandler.View)]);
        return rows;
    }

    [Fact]
    public async Task One_replicas_stream_carries_only_its_lines_from_the_store_and_live()
    {
        var factory = await StoreAsync();
        var broadcaster = new LogBroadcaster();
        var handler = new StreamLogsHandler(factory, broadcaster, new StreamLogsValidator());
        var service = Guid.NewGuid();
        List<LogLine> Lines(string prefix) => [.. Enumerable.Range(0, 40).Select(i => new LogLine
        {
            ServiceId = service, Task = i % 4, Stream = "stdout", Timestamp = DateTimeOffset.UnixEpoch, Text = $"{prefix} {i} of task {i % 4}",
        })];
        await CommitAsync(factory, broadcaster, Lines("old"));

        using var patience = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        patience.CancelAfter(TimeSpan.FromSeconds(30));
        await using var lines = handler.Handle(new StreamLogs(service, null, null, Tail: 5, Task: 2),
            patience.Token).GetAsyncEnumerator(patience.Token);
        var received = new List<LogLineView>();
        for (var i = 0; i < 5; i++)
        {
            Assert.True(await lines.MoveNextAsync());
            received.Add(lines.Current);
        }

        await CommitAsync(factory, broadcaster, Lines("new"));
        for (var i = 0; i < 10; i++)
        {
            Assert.True(await lines.MoveNextAsync());
            received.Add(lines.Current);
        }

        Assert.All(received, l => Assert.Equal(2, l.Task));
        Assert.Equal(["old 22 of task 2", "old 26 of task 2", "old 30 of task 2", "old 34 of task 2", "old 38 of task 2"],
            received.Take(5).Select(l => l.Text));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"new {(i * 4) + 2} of task 2"), received.Skip(5).Select(l => l.Text));
    }

    [Fact]
    public async Task An_experiments_replica_stream_leaves_out_the_load_generator_worker_with_the_same_index()
    {
        var factory = await StoreAsync();
        var broadcaster = new LogBroadcaster();
        var handler = new StreamLogsHandler(factory, broadcaster, new StreamLogsValidator());
        Guid experiment = Guid.NewGuid(), service = Guid.NewGuid(), benchmark = Guid.NewGuid();
        List<LogLine> Lines(string when) =>
        [
            new() { ServiceId = service, ExperimentId = experiment, Task = 0, Stream = "stdout", Timestamp = DateTimeOffset.UnixEpoch,
                Text = $"{when} replica 0" },
            new() { BenchmarkId = benchmark, ExperimentId = experiment, Task = 0, Stream = "stderr", Timestamp = DateTimeOffset.UnixEpoch,
                Text = $"{when} worker 0" },
        ];
        await CommitAsync(factory, broadcaster, Lines("old"));

        using var patience = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        patience.CancelAfter(TimeSpan.FromSeconds(30));
        await using var replica = handler.Handle(new StreamLogs(null, experiment, null, Tail: 10, Task: 0),
            patience.Token).GetAsyncEnumerator(patience.Token);
        Assert.True(await replica.MoveNextAsync());
        Assert.Equal("old replica 0", replica.Current.Text);
        await CommitAsync(factory, broadcaster, Lines("new"));
        Assert.True(await replica.MoveNextAsync());
        Assert.Equal("new replica 0", replica.Current.Text);

        // The benchmark's own stream: task 0 is its worker 0.
        await using var worker = handler.Handle(new StreamLogs(null, null, null, Tail: 10, Task: 0, Benchmark: benchmark),
            patience.Token).GetAsyncEnumerator(patience.Token);
        Assert.True(await worker.MoveNextAsync());
        Assert.Equal("old worker 0", worker.Current.Text);
        Assert.True(await worker.MoveNextAsync());
        Assert.Equal("new worker 0", worker.Current.Text);
    }

    [Fact]
    public async Task A_reader_too_slow_for_its_buffer_still_gets_every_line_once_in_order_from_the_store()
    {
        var factory = await StoreAsync();

        var broadcaster = new LogBroadcaster(maxBufferedLines: 250);
        var handler = new StreamLogsHandler(factory, broadcaster, new StreamLogsValidator());
        var service = Guid.NewGuid();
        var other = Guid.NewGuid();
        // A line that never comes must fail the test, not hang it.
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        patience.CancelAfter(TimeSpan.FromSeconds(30));
        await using var lines = handler.Handle(new StreamLogs(service, null, null, Tail: 0), patience.Token).GetAsyncEnumerator(patience.Token);
        var first = lines.MoveNextAsync();
        while (broadcaster.Subscribers == 0)
        {
            await Task.Delay(10, Ct);
        }

        // Ten commits of 100 lines (and some of another service) while the reader reads nothing: most batches are dropped from its buffer.
        var n = 0;
        for (var batch = 0; batch < 10; batch++)
        {
            var rows = Enumerable.Range(0, 120).Select(i => new LogLine
            {
                ServiceId = i < 100 ? service : other,
                Stream = "stdout",
                Timestamp = DateTimeOffset.UnixEpoch,
                Text = i < 100 ? $"line {n++}" : "someone else's",
            }).ToList();
            await CommitAsync(factory, broadcaster, rows);
        }

        var received = new List<LogLineView>();
        Assert.True(await first);
        received.Add(lines.Current);
        while (received.Count < 1000 && await lines.MoveNextAsync())
        {
            received.Add(lines.Current);
        }

        Assert.Equal(Enumerable.Range(0, 1000).Select(i => $"line {i}"), received.Select(l => l.Text));
        Assert.True(received.Zip(received.Skip(1)).All(p => p.First.Id < p.Second.Id));
        Assert.All(received, l => Assert.Equal(service, l.ServiceId));
    }
}
