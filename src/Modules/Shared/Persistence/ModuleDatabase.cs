using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Aibench.Shared.Persistence;

/// <summary>What the host needs of a module's database: migrate it at start-up, report on it for /ready.</summary>
public interface IModuleDatabase
{
    string Module { get; }

    Task MigrateAsync(CancellationToken cancellationToken);

    /// <summary>Migrations that exist in the code but are not applied; empty when the schema is current.</summary>
    Task<IReadOnlyList<string>> PendingMigrationsAsync(CancellationToken cancellationToken);
}

internal sealed class ModuleDatabase<TContext>(string module, IDbContextFactory<TContext> factory) : IModuleDatabase
    where TContext : ModuleDbContext
{
    public string Module => module;

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await db.Database.MigrateAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<string>> PendingMigrationsAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return [.. await db.Database.GetPendingMigrationsAsync(cancellationToken)];
    }
}

public static class ModuleDatabaseExtensions
{
    /// <summary>
    /// Registers a module's DbContext factory on the provider chosen at start-up (a <see cref="DatabaseSettings"/>
    /// singleton the host registers), with that module's own migrations history table.
    /// </summary>
    public static IServiceCollection AddModuleDbContext<TContext>(this IServiceCollection services, string module, string schema)
        where TContext : ModuleDbContext
    {
        services.AddDbContextFactory<TContext>((sp, options) =>
            Configure(options, sp.GetRequiredService<DatabaseSettings>(), schema));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IModuleDatabase, ModuleDatabase<TContext>>(sp =>
            new ModuleDatabase<TContext>(module, sp.GetRequiredService<IDbContextFactory<TContext>>())));
        return services;
    }

    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, DatabaseSettings settings, string schema)
    {
        var history = ModuleDbContext.HistoryTable(settings.Provider, schema);
        return settings.Provider switch
        {
            DatabaseProvider.Postgres => options.UseNpgsql(settings.ConnectionString, npgsql => npgsql
                .UseQuerySplittingBehavior(QuerySplittingBehavior.SplitQuery)
                .MigrationsAssembly(settings.MigrationsAssembly)
                .MigrationsHistoryTable(history, schema)),
            _ => options.UseSqlite(settings.ConnectionString, sqlite => sqlite
                .UseQuerySplittingBehavior(QuerySplittingBehavior.SplitQuery)
                .MigrationsAssembly(settings.MigrationsAssembly)
                .MigrationsHistoryTable(history)),
        };
    }
}
