using Aibench.Logs.Features;
using Aibench.Logs.Persistence;
using Aibench.Shared.Api;
using Aibench.Shared.Modules;
using Aibench.Shared.Persistence;
using FluentValidation;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Aibench.Logs;

/// <summary>Job logs: collected from run folders, searched, streamed live.</summary>
public static class LogsModule
{
    public static readonly ModuleDescriptor Descriptor =
        new("Logs", "logs", ["/api/v1/logs"], typeof(LogsModule).Assembly) { DefaultPort = 8004 };

    public static IServiceCollection AddLogs(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(Descriptor);
        services.AddModuleDbContext<LogsDbContext>(Descriptor.Name, LogsDbContext.SchemaName);
        services.AddValidatorsFromAssembly(Descriptor.Assembly, ServiceLifetime.Singleton, includeInternalTypes: true);
        return services;
    }

    public static IEndpointRouteBuilder MapLogs(this IEndpointRouteBuilder app)
    {
        var api = app.MapModuleApi(Descriptor);
        ListLogsHandler.Map(api);
        return app;
    }
}
