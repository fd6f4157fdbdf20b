using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Aibench.Shared.Persistence;

/// <summary>
/// Base of every module's DbContext. On PostgreSQL each module owns a schema; SQLite has no schemas,
/// so there each module's tables carry the schema name as a prefix (<c>server_services</c>). Both keep
/// modules from reading each other's tables by accident and let one database file serve all modules.
/// </summary>
public abstract class ModuleDbContext(DbContextOptions options) : DbContext(options)
{
    /// <summary>Schema on PostgreSQL, table prefix on SQLite; lower case, one word.</summary>
    public abstract string Schema { get; }

    public static string HistoryTable(DatabaseProvider provider, string schema) =>
        provider == DatabaseProvider.Postgres ? "__ef_migrations_history" : $"{schema}___ef_migrations_history";

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        if (Database.IsSqlite())
        {
            // SQLite cannot compare or order DateTimeOffset text; as UTC ticks it can, and no precision is lost.
            configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
        }
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ConfigureModel(modelBuilder);
        if (Database.IsNpgsql())
        {
            modelBuilder.HasDefaultSchema(Schema);
            return;
        }

        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            var table = entity.GetTableName();
            if (table is not null && !table.StartsWith(Schema + "_", StringComparison.Ordinal))
            {
                entity.SetTableName($"{Schema}_{table}");
            }
        }
    }

    protected abstract void ConfigureModel(ModelBuilder modelBuilder);
}
