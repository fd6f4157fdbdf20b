using Aibench.Monitor.Features;
using Aibench.Monitor.Persistence;
using Aibench.Shared.Api;
using Aibench.Shared.Modules;
using Aibench.Shared.Persistence;
using FluentValidation;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Aibench.Monitor;

/// <summary>Service, node and GPU metrics: scraped, stored per experiment, exported.</summary>
public static class MonitorModule
{
    public static readonly ModuleDescriptor Descriptor =
        new("Monitor", "monitor", ["/api/v1/metrics"], typeof(MonitorModule).Assembly) { DefaultPort = 8003 };

    public static IServiceCollection AddMonitor(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(Descriptor);
        services.AddModuleDbContext<MonitorDbContext>(Descriptor.Name, MonitorDbContext.SchemaName);
        services.AddValidatorsFromAssembly(Descriptor.Assembly, ServiceLifetime.Singleton, includeInternalTypes: true);
        return services;
    }

    public static IEndpointRouteBuilder MapMonitor(this IEndpointRouteBuilder app)
    {
        var api = app.MapModuleApi(Descriptor);
        GetSeriesHandler.Map(api);
        return app;
    }
}
