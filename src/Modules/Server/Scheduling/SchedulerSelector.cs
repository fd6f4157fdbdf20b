using Aibench.Shared.Resilience;

namespace Aibench.Server.Scheduling;

/// <summary>
/// Picks the backend once: the configured one, or with <c>auto</c> SLURM when sbatch is on the PATH and the
/// controller answers, otherwise local processes. The reason is kept so the dashboard can say why. The backend is
/// handed out behind its circuit breaker (<see cref="CircuitScheduler"/>), so every caller gets the breaker.
/// </summary>
internal sealed class SchedulerSelector(SchedulerSettings settings, IServiceProvider services, CircuitBreakers breakers,
    ILogger<SchedulerSelector> logger) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (IScheduler Scheduler, string Reason)? _chosen;

    /// <summary>A singleton of the host: its gate goes with the host's container.</summary>
    public void Dispose() => _gate.Dispose();

    public async Task<(IScheduler Scheduler, string Reason)> GetAsync(CancellationToken cancellationToken)
    {
        if (_chosen is { } chosen) return chosen;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_chosen is null)
            {
                var (scheduler, reason) = await ChooseAsync(cancellationToken);
                var breaker = breakers.Get(CircuitNames.Scheduler(scheduler.Kind), settings.Breaker, CircuitScheduler.FailureOf);
                _chosen = (new CircuitScheduler(scheduler, breaker), reason);
            }

            logger.LogInformation("Scheduler: {Kind} ({Reason})", _chosen.Value.Scheduler.Kind, _chosen.Value.Reason);
            return _chosen.Value;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<IScheduler> SchedulerAsync(CancellationToken cancellationToken) => (await GetAsync(cancellationToken)).Scheduler;

    private async Task<(IScheduler, string)> ChooseAsync(CancellationToken cancellationToken)
    {
        switch (settings.Kind)
        {
            case "slurm": return (services.GetRequiredService<SlurmCliScheduler>(), "Scheduler:Kind is slurm");
            case "slurm-rest": return (services.GetRequiredService<SlurmRestScheduler>(), "Scheduler:Kind is slurm-rest");
            case "local": return (services.GetRequiredService<LocalScheduler>(), "Scheduler:Kind is local");
        }

        if (!OnPath("sbatch"))
        {
            return (services.GetRequiredService<LocalScheduler>(), "auto: sbatch is not on the PATH, so jobs run as local processes");
        }

        var slurm = services.GetRequiredService<SlurmCliScheduler>();
        var health = await slurm.CheckAsync(cancellationToken);
        return health.Reachable
            ? (slurm, $"auto: sbatch found and the controller answers ({health.Detail})")
            : (services.GetRequiredService<LocalScheduler>(),
                $"auto: sbatch found but the controller does not answer ({health.Detail}), so jobs run as local processes");
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, program)));
}
