using Aibench.Logs.Features;
using Aibench.Logs.Jobs;
using Aibench.Logs.Persistence;
using Aibench.Logs.Tailing;
using Aibench.Shared.Api;
using Aibench.Shared.Modules;
using Aibench.Shared.Persistence;
using FluentValidation;
using Hangfire;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

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
        services.AddSingleton<StreamLogsValidator>();
        services.AddSingleton<LogBroadcaster>();
        services.AddTransient<TailLogsJob>();
        services.AddHostedService<LogsStartup>();
        return services;
    }

    public static IEndpointRouteBuilder MapLogs(this IEndpointRouteBuilder app)
    {
        var api = app.MapModuleApi(Descriptor);
        ListLogsHandler.Map(api);
        StreamLogsHandler.Map(api);
        DownloadLogsHandler.Map(api);
        return app;
    }
}

/// <summary>Registers the tailing loop and starts it at once: after a restart, lines must not wait for the next minute.</summary>
internal sealed class LogsStartup(IRecurringJobManager recurring, IBackgroundJobClient jobs) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        recurring.AddOrUpdate<TailLogsJob>(TailLogsJob.RecurringId, j => j.RunAsync(CancellationToken.None), "* * * * *");
        jobs.Enqueue<TailLogsJob>(j => j.RunAsync(CancellationToken.None));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
