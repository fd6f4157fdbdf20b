using Aibench.Host.Configuration;
using Aibench.Shared.Persistence;
using Npgsql;

namespace Aibench.Host.Hosting;

/// <summary>What must hold before the host starts serving: a private data folder, a reachable database, current schemas.</summary>
internal static class StartupChecks
{
    public static void PrepareDataFolder(AibenchSettings settings, ILogger logger)
    {
        const UnixFileMode privateDir = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        foreach (var dir in new[] { settings.Home, settings.LogsFolder, settings.KeysFolder, settings.RunsFolder })
        {
            // Created private: the database and logs of one user are no business of the others on the login node.
            Directory.CreateDirectory(dir, privateDir);
        }

        // A folder the user pointed at may already exist with wider rights; it holds the token and the database.
        var mode = File.GetUnixFileMode(settings.Home);
        if ((mode & ~privateDir & (UnixFileMode)0b111_111_111) != 0)
        {
            logger.LogWarning("The data folder {Home} was open to other users; its mode is now 0700", settings.Home);
            File.SetUnixFileMode(settings.Home, privateDir);
        }
    }

    /// <summary>Fails fast, naming host and port, when PostgreSQL is configured but does not answer.</summary>
    public static async Task CheckDatabaseReachableAsync(DatabaseSettings database, CancellationToken cancellationToken)
    {
        if (database.Provider != DatabaseProvider.Postgres)
        {
            return;
        }

        var builder = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Timeout = 10, Pooling = false };
        try
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException or InvalidOperationException)
        {
            throw new DependencyUnavailableException(
                $"Cannot reach PostgreSQL at {builder.Host ?? "localhost"}:{builder.Port} (database '{builder.Database ?? builder.Username}'): "
                    + $"{e.GetBaseException().Message}");
        }
    }

    public static async Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        foreach (var module in services.GetServices<IModuleDatabase>())
        {
            await module.MigrateAsync(cancellationToken);
        }
    }
}

/// <summary>Something aibench needs outside itself (the database) does not answer.</summary>
internal sealed class DependencyUnavailableException(string message) : Exception(message);
