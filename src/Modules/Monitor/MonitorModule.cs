using Aibench.Monitor.Features;
using Aibench.Monitor.Jobs;
using Aibench.Monitor.Persistence;
using Aibench.Monitor.Scraping;
using Aibench.Shared.Api;
using Aibench.Shared.Components;
using Aibench.Shared.Modules;
using Aibench.Shared.Persistence;
using Aibench.Shared.Resilience;
using FluentValidation;
using Hangfire;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Aibench.Monitor;

/// <summary>Service, node and GPU metrics: scraped, stored per experiment, exported.</summary>
public static class MonitorModule
{
    public static readonly ModuleDescriptor Descriptor =
        new("Monitor", "monitor", ["/api/v1/metrics"], typeof(MonitorModule).Assembly)
        {
            DefaultPort = 8003,
            ConfigurationSections = ["Monitor"],
            CheckConfiguration = ModuleRegistration.Checking(MonitorSettings.Load),
            Commands = [new ModuleCommand(Cli.GpuSamplerCommand.Name, Cli.GpuSamplerCommand.Create)],
        };

    public static IServiceCollection AddMonitor(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddModuleCore<MonitorDbContext>(Descriptor, MonitorDbContext.SchemaName);
        services.AddModuleSettings(MonitorSettings.Load);
        services.AddSingleton<TargetSource>();
        services.AddUiSlot<Pages.ServiceCharts>(UiSlots.ServiceCharts);
        services.AddCircuitBreakers();
        services.AddSingleton<Scraper>();
        services.AddSingleton<SeriesCache>();
        services.AddSingleton<SampleWriter>();
        // No proxy: compute nodes are reached directly even when the login node sets http_proxy.
        services.AddHttpClient(Scraper.ClientName).ConfigurePrimaryHttpMessageHandler(()
            => new SocketsHttpHandler { UseProxy = false, UseCookies = false });
        services.AddRecurringJob<ScrapeJob>(ScrapeJob.RecurringId, sp
            => RecurringJobs.EverySeconds(sp.GetRequiredService<MonitorSettings>().ScrapeSeconds));
        services.AddRecurringJob<RetentionJob>(RetentionJob.RecurringId, _ => "17 * * * *");
        return services;
    }

    public static IEndpointRouteBuilder MapMonitor(this IEndpointRouteBuilder app)
    {
        var api = app.MapModuleApi(Descriptor);
        GetSeriesHandler.Map(api);
        GetTargetsHandler.Map(api);
        ListScrapesHandler.Map(api);
        GetGrafanaDashboard.Map(api);
        return app;
    }
}
