using Aibench.Notifications.Delivery;
using Aibench.Notifications.Features;
using Aibench.Notifications.Jobs;
using Aibench.Notifications.Persistence;
using Aibench.Shared.Api;
using Aibench.Shared.Modules;
using Aibench.Shared.Persistence;
using FluentValidation;
using Hangfire;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Aibench.Notifications;

/// <summary>Alerts: webhooks and e-mail when an experiment ends, misses its SLO or fails, and when a service fails or restarts.</summary>
public static class NotificationsModule
{
    /// <summary>
    /// The Hangfire queue of deliveries. The host serves it with workers of its own, so that deliveries waiting on a
    /// slow or dead webhook never take the workers that drive experiments and services.
    /// </summary>
    public const string Queue = "notifications";

    /// <summary>Workers of <see cref="Queue"/>: deliveries are few, and each waits on the network at most Notifications:Timeout.</summary>
    public const int Workers = 2;

    public static readonly ModuleDescriptor Descriptor =
        new("Notifications", "notifications", ["/api/v1/notifications"], typeof(NotificationsModule).Assembly)
        {
            ConfigurationSections = [NotificationsSettings.Section],
            CheckConfiguration = ModuleRegistration.Checking(NotificationsSettings.Load),
        };

    public static IServiceCollection AddNotifications(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddModuleCore<NotificationsDbContext>(Descriptor, NotificationsDbContext.SchemaName);
        services.AddModuleSettings(NotificationsSettings.Load);
        services.AddSingleton<LinkBase>();
        services.AddSingleton<DeliveryOutbox>();
        services.AddSingleton<WebhookSender>();
        services.AddTransient<DeliverNotificationJob>();
        // The minute's catch-up sweep also resumes deliveries whose scheduled retry a restart lost.
        services.AddRecurringJob<ResumeDeliveriesJob>(ResumeDeliveriesJob.RecurringId, _ => Cron.Minutely());
        // The attempt's own deadline (Notifications:Timeout) bounds each request. No redirects: a POST would lose its
        // body, and the Location may lead anywhere. No logging: the request line holds the webhook's secret path.
        services.AddHttpClient(WebhookSender.ClientName, c =>
            {
                c.Timeout = Timeout.InfiniteTimeSpan;
                c.DefaultRequestHeaders.UserAgent.ParseAdd("aibench-notifications/1");
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
            .RemoveAllLoggers();
        return services;
    }

    public static IEndpointRouteBuilder MapNotifications(this IEndpointRouteBuilder app)
    {
        var api = app.MapModuleApi(Descriptor);
        ListNotificationsHandler.Map(api);
        ListNotificationTargetsHandler.Map(api);
        SendTestNotificationHandler.Map(api);
        return app;
    }
}
