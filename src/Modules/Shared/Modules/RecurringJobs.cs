using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Aibench.Shared.Modules;

/// <summary>A job Hangfire runs on a schedule (e.g. <c>server:poll</c>): the one entry point every module's recurring work has.</summary>
public interface IRecurringJob
{
    /// <summary>One pass; Hangfire hands in its own token for the <c>CancellationToken.None</c> it was scheduled with.</summary>
    Task RunAsync(CancellationToken cancellationToken);
}

/// <summary>How modules register their recurring jobs: the job, its id and its schedule, set at every start.</summary>
public static class RecurringJobs
{
    /// <summary>
    /// Registers <typeparamref name="TJob"/> and its schedule. The schedule is set again at every start, so a changed
    /// setting takes effect and, after a restart, the work resumes from the database. A <paramref name="cron"/> that
    /// answers null removes the job (a feature switched off since the last start).
    /// </summary>
    public static IServiceCollection AddRecurringJob<TJob>(this IServiceCollection services, string id, Func<IServiceProvider, string?> cron)
        where TJob : class, IRecurringJob
    {
        services.AddTransient<TJob>();
        services.AddSingleton(new RecurringJobSchedule(id, (recurring, provider) =>
        {
            if (cron(provider) is { } expression)
            {
                recurring.AddOrUpdate<TJob>(id, j => j.RunAsync(CancellationToken.None), expression);
            }
            else
            {
                recurring.RemoveIfExists(id);
            }
        }));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, RecurringJobsStartup>());
        return services;
    }

    /// <summary>Every <paramref name="seconds"/> seconds (Hangfire's six-field cron).</summary>
    public static string EverySeconds(int seconds) => $"*/{seconds} * * * * *";
}

/// <summary>One module's recurring job, as <see cref="RecurringJobs.AddRecurringJob{TJob}"/> registered it.</summary>
internal sealed record RecurringJobSchedule(string Id, Action<IRecurringJobManager, IServiceProvider> Apply);

/// <summary>Sets every registered schedule when the host starts.</summary>
internal sealed class RecurringJobsStartup(IEnumerable<RecurringJobSchedule> schedules, IRecurringJobManager recurring, IServiceProvider services)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var schedule in schedules)
        {
            schedule.Apply(recurring, services);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
