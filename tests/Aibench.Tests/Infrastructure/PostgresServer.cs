using Npgsql;

namespace Aibench.Tests.Infrastructure;

/// <summary>
/// The real PostgreSQL that scripts/test.sh starts (AIBENCHTEST_POSTGRES). Each host under test gets a database of
/// its own, dropped afterwards. Without the variable these tests skip when run by hand, and fail under the test
/// script (AIBENCHTEST_REQUIRE_POSTGRES=1), so CI can never pass them silently.
/// </summary>
public static class PostgresServer
{
    public static string? AdminConnectionString => Environment.GetEnvironmentVariable("AIBENCHTEST_POSTGRES");

    public static string? Unavailable()
    {
        if (!string.IsNullOrEmpty(AdminConnectionString))
        {
            return null;
        }

        const string reason = "AIBENCHTEST_POSTGRES is not set: run ./scripts/test.sh, which starts PostgreSQL.";
        if (Environment.GetEnvironmentVariable("AIBENCHTEST_REQUIRE_POSTGRES") == "1")
        {
            throw new InvalidOperationException(reason);
        }

        return reason;
    }

    public static async Task<string> CreateDatabaseAsync()
    {
        var name = "aibench_test_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = new NpgsqlConnection(AdminConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    public static async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(AdminConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }
}
