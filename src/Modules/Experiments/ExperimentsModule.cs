using Aibench.Experiments.Campaigns;
using Aibench.Experiments.Features;
using Aibench.Experiments.Jobs;
using Aibench.Experiments.Persistence;
using Aibench.Experiments.Planning;
using Aibench.Shared.Api;
using Aibench.Shared.Modules;
using Aibench.Shared.Persistence;
using FluentValidation;
using Hangfire;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Aibench.Experiments;

/// <summary>The end-to-end workflow: deploy, wait, warm up, load, collect, stop, summarise.</summary>
public static class ExperimentsModule
{
    public static readonly ModuleDescriptor Descriptor =
        new("Experiments", "experiments", ["/api/v1/experiments", "/api/v1/campaigns"], typeof(ExperimentsModule).Assembly)
        {
            ConfigurationSections = ["Experiments"],
            CheckConfiguration = ModuleRegistration.Checking(ExperimentsSettings.Load),
            Commands = [new ModuleCommand(Cli.CampaignCommand.Name, Cli.CampaignCommand.Create),
                new ModuleCommand(Cli.ReportCommand.Name, Cli.ReportCommand.Create)],
        };

    public static IServiceCollection AddExperiments(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddModuleCore<ExperimentsDbContext>(Descriptor, ExperimentsDbContext.SchemaName);
        services.AddModuleSettings(ExperimentsSettings.Load);
        services.AddSingleton<ExperimentDrafter>();
        services.AddSingleton<ExperimentWorkflow>();
        services.AddSingleton<ExperimentFeed>();
        services.AddRecurringJob<AdvanceExperimentsJob>(AdvanceExperimentsJob.RecurringId,
            sp => RecurringJobs.EverySeconds(sp.GetRequiredService<ExperimentsSettings>().PollSeconds));
        services.AddSingleton<CampaignDrafter>();
        services.AddRecurringJob<AdvanceCampaignsJob>(AdvanceCampaignsJob.RecurringId,
            sp => RecurringJobs.EverySeconds(sp.GetRequiredService<ExperimentsSettings>().PollSeconds));
        return services;
    }

    public static IEndpointRouteBuilder MapExperiments(this IEndpointRouteBuilder app)
    {
        var api = app.MapModuleApi(Descriptor);
        ListExperimentsHandler.Map(api);
        PreviewExperimentHandler.Map(api);
        CreateExperimentHandler.Map(api);
        GetExperimentHandler.Map(api);
        CancelExperimentHandler.Map(api);
        RenameExperimentHandler.Map(api);
        ListCampaignsHandler.Map(api);
        PreviewCampaignHandler.Map(api);
        CreateCampaignHandler.Map(api);
        GetCampaignHandler.Map(api);
        DownloadExperimentReportHandler.Map(api);
        CompareExperimentsHandler.Map(api);
        CancelCampaignHandler.Map(api);
        return app;
    }
}
