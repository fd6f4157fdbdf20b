using Aibench.Server.Features;
using Aibench.Server.Persistence;
using Aibench.Shared.Api;
using Aibench.Shared.Modules;
using Aibench.Shared.Persistence;
using FluentValidation;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Aibench.Server;

/// <summary>Recipes, deployment through the scheduler and the life of each service.</summary>
public static class ServerModule
{
    public static readonly ModuleDescriptor Descriptor =
        new("Server", "server", ["/api/v1/services", "/api/v1/recipes"], typeof(ServerModule).Assembly) { DefaultPort = 8001 };

    public static IServiceCollection AddServer(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(Descriptor);
        services.AddModuleDbContext<ServerDbContext>(Descriptor.Name, ServerDbContext.SchemaName);
        services.AddValidatorsFromAssembly(Descriptor.Assembly, ServiceLifetime.Singleton, includeInternalTypes: true);
        return services;
    }

    public static IEndpointRouteBuilder MapServer(this IEndpointRouteBuilder app)
    {
        var api = app.MapModuleApi(Descriptor);
        ListServicesHandler.Map(api);
        GetServiceHandler.Map(api);
        return app;
    }
}
