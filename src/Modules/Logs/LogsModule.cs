using Aibench.Logs.Features;
using Aibench.Logs.Jobs;
using Aibench.Logs.Loki;
using Aibench.Logs.Persistence;
using Aibench.Logs.Tailing;
using Aibench.Shared.Api;
using Aibench.Shared.Components;
using Aibench.Shared.Modules;
using Aibench.Shared.Persistence;
using FluentValidation;
using Hangfire;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog;

namespace Aibench.Logs;

/// <summary>Job logs: collected from run folders, searched, streamed live, optionally forwarded to Loki.</summary>
public static class LogsModule
{
    public static readonly ModuleDescriptor Descriptor =
        new("Logs", "logs", ["/api/v1/logs"], typeof(LogsModule).Assembly)
        {
            DefaultPort = 8004,
            ConfigurationSections = ["Logs"],
            CheckConfiguration = ModuleRegistration.Checking(LogsSettings.Load),
        };

    public static IServiceCollection AddLogs(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddModuleCore<LogsDbContext>(Descriptor, LogsDbContext.SchemaName);
        services.AddSingleton<LogBroadcaster>();
        services.AddSingleton<LogTailer>();
        services.AddRecurringJob<TailLogsJob>(TailLogsJob.RecurringId, _ => "* * * * *");
        services.AddRecurringJob<LogRetentionJob>(LogRetentionJob.RecurringId, _ => "23 * * * *");
        services.AddModuleSettings(LogsSettings.Load);
        services.AddSingleton(sp => sp.GetRequiredService<LogsSettings>().Loki);
        // Loki sits next to the host, not behind the login node's proxy; a short timeout keeps a hung Loki from stalling the minute.
        services.AddHttpClient(LokiClient.ClientName, c => c.Timeout = TimeSpan.FromSeconds(10))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { UseProxy = false, UseCookies = false })
            // Four Information lines per push, every second, would drown the host's log (and feed themselves to Loki).
            .RemoveAllLoggers();
        services.AddSingleton<LokiClient>();
        services.AddSingleton<LokiForwarder>();
        // Removed when Loki is no longer configured.
        services.AddRecurringJob<ForwardLogsJob>(ForwardLogsJob.RecurringId, sp => sp.GetRequiredService<LokiSettings>().Enabled ? Cron.Minutely()
            : null);
        services.AddHostedService<LogsStartup>();
        services.AddSingleton<LokiHostSink>();
        services.AddHostedService<LokiHostShipper>();
        // Other modules' pages (the experiment page) show the live view through the slot, never by referencing this module.
        services.AddUiSlot<Pages.LogView>(UiSlots.LiveLogs);
        return services;
    }

    /// <summary>Adds the sink that sends the host's own log events to Loki, when <c>Logs:Loki:ForwardHostLogs</c> is on.</summary>
    public static LoggerConfiguration WriteToLoki(this LoggerConfiguration logger, IServiceProvider services) =>
        services.GetRequiredService<LokiSettings>() is { Enabled: true, ForwardHostLogs: true }
            ? logger.WriteTo.Sink(services.GetRequiredService<LokiHostSink>())
            : logger;

    public static IEndpointRouteBuilder MapLogs(this IEndpointRouteBuilder app)
    {
        var api = app.MapModuleApi(Descriptor);
        ListLogsHandler.Map(api);
        StreamLogsHandler.Map(api);
        DownloadLogsHandler.Map(api);
        return app;
    }
}

/// <summary>Starts the tailing loop at once: after a restart, lines must not wait for the next minute.</summary>
internal sealed class LogsStartup(IBackgroundJobClient jobs) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        jobs.Enqueue<TailLogsJob>(j => j.RunAsync(CancellationToken.None));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
