namespace Aibench.Tests.Infrastructure;

/// <summary>One running host per test class, on SQLite or on a fresh PostgreSQL database.</summary>
public abstract class HostFixture : IAsyncLifetime
{
    private AibenchFactory? _factory;
    private string? _database;

    public abstract bool UsesPostgres { get; }

    public string? SkipReason { get; private set; }

    public AibenchFactory Factory => _factory ?? throw new InvalidOperationException("The host did not start.");

    public async ValueTask InitializeAsync()
    {
        if (UsesPostgres)
        {
            SkipReason = PostgresServer.Unavailable();
            if (SkipReason is not null)
            {
                return;
            }

            _database = await PostgresServer.CreateDatabaseAsync();
        }

        _factory = new AibenchFactory(_database);
        // Starts the host: migrations run and Hangfire comes up before any test uses it.
        _ = _factory.Server;
    }

    public async ValueTask DisposeAsync()
    {
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        if (_database is not null)
        {
            await PostgresServer.DropDatabaseAsync(_database);
        }

        GC.SuppressFinalize(this);
    }
}

public sealed class SqliteHost : HostFixture
{
    public override bool UsesPostgres => false;
}

public sealed class PostgresHost : HostFixture
{
    public override bool UsesPostgres => true;
}
