using Aibench.Client.Persistence;
using Aibench.Experiments.Persistence;
using Aibench.Logs.Persistence;
using Aibench.Monitor.Persistence;
using Aibench.Notifications.Persistence;
using Aibench.Server.Persistence;
using Aibench.Shared.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Aibench.Migrations.Sqlite;

// dotnet-ef builds each module's model for Sqlite through these; nothing connects to a database at design time.
internal static class DesignTime
{
    private static readonly DatabaseSettings Settings = DatabaseSettings.ForSqliteFile("design-time.db");

    public static DbContextOptions<T> Options<T>(string schema)
        where T : DbContext
    {
        var builder = new DbContextOptionsBuilder<T>();
        ModuleDatabaseExtensions.Configure(builder, Settings, schema);
        return builder.Options;
    }
}

internal sealed class ServerFactory : IDesignTimeDbContextFactory<ServerDbContext>
{
    public ServerDbContext CreateDbContext(string[] args) => new(DesignTime.Options<ServerDbContext>(ServerDbContext.SchemaName));
}

internal sealed class ClientFactory : IDesignTimeDbContextFactory<ClientDbContext>
{
    public ClientDbContext CreateDbContext(string[] args) => new(DesignTime.Options<ClientDbContext>(ClientDbContext.SchemaName));
}

internal sealed class MonitorFactory : IDesignTimeDbContextFactory<MonitorDbContext>
{
    public MonitorDbContext CreateDbContext(string[] args) => new(DesignTime.Options<MonitorDbContext>(MonitorDbContext.SchemaName));
}

internal sealed class LogsFactory : IDesignTimeDbContextFactory<LogsDbContext>
{
    public LogsDbContext CreateDbContext(string[] args) => new(DesignTime.Options<LogsDbContext>(LogsDbContext.SchemaName));
}

internal sealed class ExperimentsFactory : IDesignTimeDbContextFactory<ExperimentsDbContext>
{
    public ExperimentsDbContext CreateDbContext(string[] args) => new(DesignTime.Options<ExperimentsDbContext>(ExperimentsDbContext.SchemaName));
}

internal sealed class NotificationsFactory : IDesignTimeDbContextFactory<NotificationsDbContext>
{
    public NotificationsDbContext CreateDbContext(string[] args) => new(DesignTime.Options<NotificationsDbContext>(NotificationsDbContext.SchemaName));
}
