namespace Aibench.Shared.Persistence;

/// <summary>The relational engine that stores every module's data.</summary>
public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>
/// Which database the modules use, decided once at start-up from configuration:
/// PostgreSQL when <c>ConnectionStrings:Postgres</c> is set, otherwise a SQLite file in the data folder.
/// </summary>
public sealed record DatabaseSettings(DatabaseProvider Provider, string ConnectionString)
{
    public const string SqliteMigrationsAssembly = "Aibench.Migrations.Sqlite";
    public const string PostgresMigrationsAssembly = "Aibench.Migrations.Postgres";

    public string MigrationsAssembly =>
        Provider == DatabaseProvider.Postgres ? PostgresMigrationsAssembly : SqliteMigrationsAssembly;

    public static DatabaseSettings ForSqliteFile(string path) =>
        // Shared cache off and a busy timeout: several module contexts and Hangfire jobs write the same file.
        new(DatabaseProvider.Sqlite, $"Data Source={path};Cache=Private;Default Timeout=30;Pooling=True");
}
