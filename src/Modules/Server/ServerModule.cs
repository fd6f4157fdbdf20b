using Aibench.Server.Features;
using Aibench.Server.Jobs;
using Aibench.Server.Lifecycle;
using Aibench.Server.Persistence;
using Aibench.Server.Recipes;
using Aibench.Server.Scheduling;
using Aibench.Shared.Api;
using Aibench.Shared.Modules;
using Aibench.Shared.Persistence;
using Aibench.Shared.Resilience;
using FluentValidation;
using Hangfire;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Aibench.Server;

/// <summary>Recipes, deployment through the scheduler and the life of each service.</summary>
public static class ServerModule
{
    public static readonly ModuleDescriptor Descriptor =
        new("Server", "server", ["/api/v1/services", "/api/v1/recipes", "/api/v1/scheduler"], typeof(ServerModule).Assembly)
        {
            DefaultPort = 8001,
            ConfigurationSections = ["Server", "Scheduler"],
            CheckConfiguration = (configuration, data) =>
            {
                var errors = new List<string>();
                ServerSettings.Load(configuration, data, errors);
                return errors;
            },
        };

    public static IServiceCollection AddServer(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddModuleCore<ServerDbContext>(Descriptor, ServerDbContext.SchemaName);

        // Checked at start-up by the host (CheckConfiguration), so loading here cannot fail on a bad value.
        services.AddSingleton(sp => new
            LoadedSettings(ServerSettings.Load(sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<DataFolder>(), [])));
        services.AddSingleton(sp => sp.GetRequiredService<LoadedSettings>().Value.Server);
        services.AddSingleton(sp => sp.GetRequiredService<LoadedSettings>().Value.Scheduler);
        services.AddSingleton<RecipeCatalog>();
        services.AddSingleton<CommandRunner>();
        services.AddSingleton<SlurmCliScheduler>();
        services.AddSingleton<LocalScheduler>();
        services.AddSingleton<SlurmRestScheduler>();
        services.AddCircuitBreakers();
        services.AddSingleton<SchedulerSelector>();
        services.AddSingleton<WorkerJobStates>();
        services.AddSingleton<ReadinessProbe>();
        services.AddHttpClient(ReadinessProbe.ClientName, c => c.Timeout = ReadinessProbe.Timeout);
        services.AddTransient<SubmitServiceJob>();
        // After a restart, tracking resumes from the database at the first poll.
        services.AddRecurringJob<PollServicesJob>(PollServicesJob.RecurringId,
            sp => RecurringJobs.EverySeconds(sp.GetRequiredService<SchedulerSettings>().PollSeconds));
        services.AddHostedService<ServerStartup>();
        return services;
    }

    public static IEndpointRouteBuilder MapServer(this IEndpointRouteBuilder app)
    {
        var api = app.MapModuleApi(Descriptor);
        ListRecipesHandler.Map(api);
        GetRecipeHandler.Map(api);
        DeployServiceHandler.Map(api);
        PreviewDeploymentHandler.Map(api);
        ListServicesHandler.Map(api);
        GetServiceHandler.Map(api);
        GetServiceStatusViewHandler.Map(api);
        CancelServiceHandler.Map(api);
        GetSchedulerStatusHandler.Map(api);
        return app;
    }
}

/// <summary>Both settings sections, read once.</summary>
internal sealed record LoadedSettings((ServerSettings Server, SchedulerSettings Scheduler) Value);

/// <summary>Says at every start how many recipes were loaded and how many files were not.</summary>
internal sealed class ServerStartup(RecipeCatalog catalog, ILogger<ServerStartup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        logger.LogInformation("{Count} recipe(s) loaded; {Invalid} file(s) invalid", catalog.All.Count, catalog.Errors.Count);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
