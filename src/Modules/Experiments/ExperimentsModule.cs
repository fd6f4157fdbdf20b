using Aibench.Experiments.Features;
using Aibench.Experiments.Persistence;
using Aibench.Shared.Api;
using Aibench.Shared.Modules;
using Aibench.Shared.Persistence;
using FluentValidation;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Aibench.Experiments;

/// <summary>The end-to-end workflow: deploy, wait, load, collect, summarise.</summary>
public static class ExperimentsModule
{
    public static readonly ModuleDescriptor Descriptor =
        new("Experiments", "experiments", ["/api/v1/experiments"], typeof(ExperimentsModule).Assembly);

    public static IServiceCollection AddExperiments(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(Descriptor);
        services.AddModuleDbContext<ExperimentsDbContext>(Descriptor.Name, ExperimentsDbContext.SchemaName);
        services.AddValidatorsFromAssembly(Descriptor.Assembly, ServiceLifetime.Singleton, includeInternalTypes: true);
        return services;
    }

    public static IEndpointRouteBuilder MapExperiments(this IEndpointRouteBuilder app)
    {
        var api = app.MapModuleApi(Descriptor);
        ListExperimentsHandler.Map(api);
        GetExperimentHandler.Map(api);
        return app;
    }
}
