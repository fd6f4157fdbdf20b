using Aibench.Logs.Persistence;
using Aibench.Shared.Persistence;
using Aibench.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Tests.Shared;

/// <summary>Rows written in bulk must be exactly what EF would have written: found by EF's own queries, with their keys.</summary>
public abstract class BulkInsertTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected abstract Task<(DatabaseSettings Settings, IAsyncDisposable Cleanup)> DatabaseAsync();

    private static LogLine Line(Guid service, Guid? experiment, int n, DateTimeOffset at) => new()
    {
        ServiceId = service,
        ExperimentId = experiment,
        Node = n % 3 == 0 ? null : $"node{n % 4}",
        Task = n % 5 == 0 ? null : n % 4,
        Stream = n % 2 == 0 ? "stdout" : "stderr",
        Level = n % 7 == 0 ? "ERROR" : null,
        Timestamp = at.AddMilliseconds(n),
        Text = $"line {n} ünïcödé 'quoted' \"double\" \t tab",
    };

    [Fact]
    public async Task Bulk_inserted_rows_read_back_through_ef_queries_with_the_keys_they_were_given()
    {
        var (settings, cleanup) = await DatabaseAsync();
        await using var _ = cleanup;
        var options = new DbContextOptionsBuilder<LogsDbContext>();
        ModuleDatabaseExtensions.Configure(options, settings, LogsDbContext.SchemaName);
        await using (var db = new LogsDbContext(options.Options))
        {
            await db.Database.MigrateAsync(Ct);
        }

        var service = Guid.NewGuid();
        var experiment = Guid.NewGuid();
        var at = new DateTimeOffset(2026, 11, 27, 3, 4, 5, TimeSpan.Zero);

        // One row through change tracking first, so the bulk keys must continue after it.
        long before;
        await using (var db = new LogsDbContext(options.Options))
        {
            var first = Line(service, null, 1000, at);
            db.Lines.Add(first);
            await db.SaveChangesAsync(Ct);
            before = first.Id;
        }

        // Enough rows that keys and values cannot line up by accident.
        var rows = Enumerable.Range(0, 150).Select(n => Line(service, n % 2 == 0 ? experiment : null, n, at)).ToList();
        await using (var db = new LogsDbContext(options.Options))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(Ct);
            await BulkInsert.InsertAsync(db, rows, Ct);
            await transaction.CommitAsync(Ct);
        }

        Assert.Equal(Enumerable.Range(0, 150).Select(i => rows[0].Id + i), rows.Select(r => r.Id));
        Assert.True(rows[0].Id > before);

        await using (var db = new LogsDbContext(options.Options))
        {
            var stored = await db.Lines.AsNoTracking().Where(l => l.ServiceId == service && l.Id > before).OrderBy(l => l.Id).ToListAsync(Ct);
            Assert.Equal(rows.Count, stored.Count);
            for (var i = 0; i < rows.Count; i++)
            {
                Assert.Equivalent(rows[i], stored[i], strict: true);
            }

            Assert.Equal(75, await db.Lines.CountAsync(l => l.ExperimentId == experiment, Ct));
            Assert.Equal(rows.Count(r => r.Timestamp >= at.AddMilliseconds(100)),
                await db.Lines.CountAsync(l => l.Timestamp >= at.AddMilliseconds(100) && l.Id > before, Ct));

            // Change tracking after a bulk insert goes on from its last key.
            var after = Line(service, null, 2000, at);
            db.Lines.Add(after);
            await db.SaveChangesAsync(Ct);
            Assert.True(after.Id > rows[^1].Id);
        }
    }

    [Fact]
    public async Task A_bulk_insert_rolled_back_leaves_nothing()
    {
        var (settings, cleanup) = await DatabaseAsync();
        await using var _ = cleanup;
        var options = new DbContextOptionsBuilder<LogsDbContext>();
        ModuleDatabaseExtensions.Configure(options, settings, LogsDbContext.SchemaName);
        await using var db = new LogsDbContext(options.Options);
        await db.Database.MigrateAsync(Ct);
        await using (var transaction = await db.Database.BeginTransactionAsync(Ct))
        {
            await BulkInsert.InsertAsync(db, [.. Enumerable.Range(0, 70).Select(n => Line(Guid.NewGuid(), null, n, DateTimeOffset.UnixEpoch))], Ct);
            await transaction.RollbackAsync(Ct);
        }

        Assert.Equal(0, await db.Lines.CountAsync(Ct));
        await Assert.ThrowsAsync<InvalidOperationException>(()
            => BulkInsert.InsertAsync(db, [Line(Guid.NewGuid(), null, 1, DateTimeOffset.UnixEpoch)], Ct));
    }
}

public sealed class SqliteBulkInsertTests : BulkInsertTests
{
    protected override Task<(DatabaseSettings Settings, IAsyncDisposable Cleanup)> DatabaseAsync()
    {
        var folder = Directory.CreateTempSubdirectory("aibench-test-bulk-");
        return Task.FromResult<(DatabaseSettings, IAsyncDisposable)>(
            (DatabaseSettings.ForSqliteFile(Path.Combine(folder.FullName, "aibench.db")), new Cleanup(() =>
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                folder.Delete(recursive: true);
                return Task.CompletedTask;
            })));
    }
}

public sealed class PostgresBulkInsertTests : BulkInsertTests
{
    protected override async Task<(DatabaseSettings Settings, IAsyncDisposable Cleanup)> DatabaseAsync()
    {
        Assert.SkipWhen(PostgresServer.Unavailable() is not null, PostgresServer.Unavailable() ?? "");
        var connection = await PostgresServer.CreateDatabaseAsync();
        return (new DatabaseSettings(DatabaseProvider.Postgres, connection), new Cleanup(() => PostgresServer.DropDatabaseAsync(connection)));
    }
}

internal sealed class Cleanup(Func<Task> action) : IAsyncDisposable
{
    public async ValueTask DisposeAsync() => await action();
}
