using Aibench.Client;
using Aibench.Experiments;
using Aibench.Host.Components;
using Aibench.Host.Configuration;
using Aibench.Host.Security;
using Aibench.Logs;
using Aibench.Monitor;
using Aibench.Notifications;
using Aibench.Server;
using Aibench.Shared.Api;
using Aibench.Shared.Modules;
using Aibench.Shared.Persistence;
using Aibench.Shared.Resilience;
using Aibench.Shared.Validation;
using Hangfire;
using Microsoft.AspNetCore.Diagnostics;
using Hangfire.PostgreSql;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using MudBlazor.Services;
using Prometheus;
using Scalar.AspNetCore;
using Serilog;
using Serilog.Events;

namespace Aibench.Host.Hosting;

/// <summary>Builds the one ASP.NET Core host that carries every module.</summary>
internal static class AibenchHost
{
    /// <summary>The modules, listed explicitly: adding one is a visible change here and in <see cref="Map"/>.</summary>
    public static readonly ModuleDescriptor[] Modules =
    [
        ServerModule.Descriptor,
        ClientModule.Descriptor,
        MonitorModule.Descriptor,
        LogsModule.Descriptor,
        ExperimentsModule.Descriptor,
        NotificationsModule.Descriptor,
    ];

    /// <param name="hostArgs">Arguments for the .NET host itself (content root, environment), as test hosts pass them.</param>
    /// <param name="overrides">Settings given on the command line; they win over files and environment.</param>
    public static WebApplication Build(string[] hostArgs, IReadOnlyDictionary<string, string?> overrides)
    {
        var contentRootGiven = hostArgs.Any(a => a.StartsWith("--contentRoot", StringComparison.OrdinalIgnoreCase));
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = hostArgs,
            ApplicationName = typeof(AibenchHost).Assembly.GetName().Name,
            // The binary finds its appsettings.json and static files beside itself, from any working directory.
            ContentRootPath = contentRootGiven ? null : AppContext.BaseDirectory,
        });

        // Only aibench's own sources: the defaults would also read every environment variable unprefixed,
        // so that e.g. the shell's HOME would be taken for AIBENCH_HOME.
        builder.Configuration.Sources.Clear();
        builder.Configuration
            .AddJsonFile(Path.Combine(builder.Environment.ContentRootPath, "appsettings.json"), optional: true, reloadOnChange: false)
            .AddEnvironmentVariables("AIBENCH_")
            .AddInMemoryCollection(overrides);

        // Static web assets (MudBlazor's CSS and JS) are served from the package cache when running from a build,
        // and from wwwroot beside the binary once published; outside Development this has to be asked for.
        builder.WebHost.UseStaticWebAssets();

        AddServices(builder.Services, builder.Configuration);
        var app = builder.Build();
        Map(app);
        return app;
    }

    private static void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        // Settings are read when first resolved, after every configuration source (test hosts add theirs at Build).
        services.AddSingleton(sp => AibenchSettings.Load(sp.GetRequiredService<IConfiguration>(), Modules));
        services.AddSingleton(sp => sp.GetRequiredService<AibenchSettings>().Database);
        services.AddSingleton(sp => new DataFolder(sp.GetRequiredService<AibenchSettings>().Home));
        services.AddSingleton(TimeProvider.System);
        // One registry of circuit breakers for all modules; the host shows it on /ready and /metrics.
        services.AddCircuitBreakers();
        services.AddHostedService<CircuitMetrics>();

        services.AddSerilog((sp, logger) => ConfigureLogging(logger, sp.GetRequiredService<AibenchSettings>()).WriteToLoki(sp));

        services.AddServer(configuration);
        services.AddClient(configuration);
        services.AddMonitor(configuration);
        services.AddLogs(configuration);
        services.AddExperiments(configuration);
        services.AddNotifications(configuration);

        services.AddMediator(options =>
        {
            options.ServiceLifetime = ServiceLifetime.Singleton;
            options.PipelineBehaviors = [typeof(ValidationBehavior<,>)];
        });

        services.AddAibenchProblemDetails();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.ConfigureHttpJsonOptions(o =>
            o.SerializerOptions.Converters.Add(new
                System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.SnakeCaseLower)));

        services.AddSingleton<TokenStore>();
        // Modules that hand the token to parts of themselves elsewhere (the Client's workers) ask for it here.
        services.AddSingleton<IAccessToken>(sp => sp.GetRequiredService<TokenStore>());
        services.AddSingleton<TokenGuard>();
        services.AddTokenAuthentication();
        services.AddDataProtection().SetApplicationName("aibench");
        // Keys in the data folder: browser sessions outlive a restart of the host.
        services.AddOptions<KeyManagementOptions>().Configure<AibenchSettings, ILoggerFactory>((options, settings, loggers) =>
            options.XmlRepository = new FileSystemXmlRepository(new DirectoryInfo(settings.KeysFolder), loggers));

        foreach (var module in Modules)
        {
            services.AddOpenApi(module.DocumentName, options =>
            {
                options.ShouldInclude = description => description.GroupName == module.DocumentName;
                options.AddDocumentTransformer((document, _, _) =>
                {
                    document.Info.Title = $"aibench {module.Name} API";
                    document.Info.Version = "v1";
                    return Task.CompletedTask;
                });
            });
        }

        // The storage is this host's own service, not Hangfire's process-wide JobStorage.Current, so that the client,
        // the recurring-job manager and the server all use the store of the host they belong to.
        services.AddSingleton<JobStorage>(sp =>
        {
            var database = sp.GetRequiredService<DatabaseSettings>();
            if (database.Provider == DatabaseProvider.Postgres)
            {
                var options = new PostgreSqlStorageOptions { SchemaName = "hangfire", PrepareSchemaIfNecessary = true };
                return new PostgreSqlStorage(new Hangfire.PostgreSql.Factories.NpgsqlConnectionFactory(database.ConnectionString, options), options);
            }

            // Restart safety does not rest on this store: see docs/adr/0003-hangfire-storage.md.
            return new Hangfire.InMemory.InMemoryStorage();
        });
        services.AddHangfire((sp, hangfire) => hangfire
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseStorage(sp.GetRequiredService<JobStorage>()));
        services.AddHangfireServer((sp, server) =>
        {
            server.WorkerCount = sp.GetRequiredService<AibenchSettings>().HangfireWorkers;
            server.ServerName = $"aibench:{Environment.MachineName}:{Environment.ProcessId}";
            // Recurring jobs such as server:poll run every few seconds, not every 15 (Hangfire's default check).
            server.SchedulePollingInterval = TimeSpan.FromSeconds(1);
        });
        // Notification deliveries wait on other people's webhooks: their own queue and workers, so that a dead one
        // never takes a worker that experiments and services need.
        services.AddHangfireServer((sp, server) =>
        {
            server.WorkerCount = NotificationsModule.Workers;
            server.Queues = [NotificationsModule.Queue];
            server.ServerName = $"aibench:{Environment.MachineName}:{Environment.ProcessId}:{NotificationsModule.Queue}";
            server.SchedulePollingInterval = TimeSpan.FromSeconds(1);
        });

        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
    }

    private static void Map(WebApplication app)
    {
        var settings = app.Services.GetRequiredService<AibenchSettings>();

        app.UseMiddleware<ModulePorts>();
        app.UseSerilogRequestLogging(options =>
            options.GetLevel = (ctx, _, error) => error is not null || ctx.Response.StatusCode >= 500 ? LogEventLevel.Error
                : ctx.Request.Path.StartsWithSegments("/health") || ctx.Request.Path.StartsWithSegments("/ready") ? LogEventLevel.Debug
                // Refused tokens: TokenGuard logs them once a minute with a count, so a flood cannot fill the log.
                : ctx.Response.StatusCode is StatusCodes.Status401Unauthorized or StatusCodes.Status429TooManyRequests ? LogEventLevel.Debug
                : LogEventLevel.Information);
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandlingPath = "/error",
            CreateScopeForErrors = true,
            // API errors are answered (and 500s logged) by the exception handler; a 400 is no host error.
            SuppressDiagnosticsCallback = ctx => ctx.ExceptionHandledBy == ExceptionHandledType.ExceptionHandlerService,
        });
        app.UseWhen(ctx => ApiPaths.IsApi(ctx.Request.Path), api => api.UseStatusCodePages());
        app.UseWhen(ctx => !ApiPaths.IsApi(ctx.Request.Path), pages
            => pages.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true));
        // Routing after the status code pages: re-executed as /not-found, a request is routed again to the in-app 404
        // page. With routing implicitly first, the re-execution kept the original (missing) endpoint and answered an empty 404.
        app.UseRouting();
        app.UseHttpMetrics();
        app.UseTokenLink();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapProbes();
        app.MapLogin();

        app.MapServer();
        app.MapClient();
        app.MapMonitor();
        app.MapLogs();
        app.MapExperiments();
        app.MapNotifications();

        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapScalarApiReference("/docs", options =>
        {
            options.WithTitle("aibench API");
            // Scalar fetches its fonts from fonts.scalar.com by default; on a login node nothing should leave the machine.
            options.DisableDefaultFonts();
            foreach (var module in Modules)
            {
                options.AddDocument(module.DocumentName, module.Name, $"/openapi/{module.DocumentName}.json");
            }
        });

        var metrics = app.MapMetrics("/metrics");
        if (settings.MetricsAnonymous)
        {
            metrics.AllowAnonymous();
        }

        app.MapHangfireDashboard("/jobs", new DashboardOptions
        {
            // The endpoint's authorization (the access token) guards it; Hangfire's own local-only filter would not.
            Authorization = [],
            AsyncAuthorization = [],
            DashboardTitle = "aibench jobs",
            AppPath = "/",
        });

        app.MapStaticAssets();
        app.MapRazorComponents<App>()
            .AddInteractiveServerRenderMode()
            .AddAdditionalAssemblies([.. Modules.Select(m => m.Assembly)]);
    }

    private static LoggerConfiguration ConfigureLogging(LoggerConfiguration logger, AibenchSettings settings) =>
        logger.MinimumLevel.Is(settings.LogLevel)
            // The hosting layer logs full request URLs, which may carry ?token=: never below Warning.
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.EntityFrameworkCore", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Extensions.Http", LogEventLevel.Warning)
            .MinimumLevel.Override("Hangfire", LogEventLevel.Warning)
            .Enrich.FromLogContext()
            .WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}",
                standardErrorFromLevel: LogEventLevel.Verbose)
            .WriteTo.File(Path.Combine(settings.LogsFolder, "aibench-.log"), rollingInterval: RollingInterval.Day,
                retainedFileCountLimit: 14, fileSizeLimitBytes: 100 * 1024 * 1024, rollOnFileSizeLimit: true);
}
