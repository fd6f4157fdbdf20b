using Aibench.Client.Features;
using Aibench.Client.Jobs;
using Aibench.Client.LoadGen;
using Aibench.Client.LoadGen.Distributed;
using Aibench.Client.Persistence;
using Aibench.Shared.Api;
using Microsoft.AspNetCore.Hosting.Server;
using Aibench.Shared.Modules;
using Aibench.Shared.Persistence;
using FluentValidation;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Aibench.Client;

/// <summary>Load generation against a service and the results it keeps.</summary>
public static class ClientModule
{
    public static readonly ModuleDescriptor Descriptor =
        new("Client", "client", ["/api/v1/benchmarks"], typeof(ClientModule).Assembly)
        {
            DefaultPort = 8002,
            ConfigurationSections = ["Client"],
            CheckConfiguration = ModuleRegistration.Checking(ClientSettings.Load),
            Commands = [new ModuleCommand(Cli.LoadgenCommand.Name, () => Cli.LoadgenCommand.Create()) { TerminationGrace = TimeSpan.FromMinutes(1) }],
        };

    public static IServiceCollection AddClient(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddModuleCore<ClientDbContext>(Descriptor, ClientDbContext.SchemaName);
        services.AddSingleton<ActiveBenchmarks>();
        services.AddSingleton<BenchmarkMeter>();
        services.AddSingleton<TargetResolver>();
        services.AddTransient<RunBenchmarkJob>();
        services.AddModuleSettings(ClientSettings.Load);
        services.AddSingleton<WorkerReports>();
        services.AddSingleton<DistributedRun>();
        // Workers report to this host's address with its token when the Host offers one (IAccessToken); without it
        // (a host composed without the token, e.g. in tests) they hand in files.
        services.TryAddSingleton<IWorkerCallback>(sp => sp.GetService<IAccessToken>() is { } token && sp.GetService<IServer>() is { } server
            ? new HostWorkerCallback(server, token, sp.GetRequiredService<ClientSettings>())
            : new NoWorkerCallback());
        services.AddHostedService<RecoverInterruptedRuns>();
        return services;
    }

    public static IEndpointRouteBuilder MapClient(this IEndpointRouteBuilder app)
    {
        var api = app.MapModuleApi(Descriptor);
        ListBenchmarksHandler.Map(api);
        StartBenchmarkHandler.Map(api);
        GetBenchmarkHandler.Map(api);
        CancelBenchmarkHandler.Map(api);
        ExportBenchmarkHandler.Map(api);
        DownloadBenchmarkReportHandler.Map(api);
        CompareBenchmarksHandler.Map(api);
        WorkerReports.Map(api);
        return app;
    }
}
