using Aibench.Contracts.Experiments;
using Aibench.Experiments.Persistence;
using Aibench.Shared.Modules;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Aibench.Experiments.Jobs;

/// <summary>
/// Drives experiments. The recurring <c>experiments:advance</c> looks at every running experiment every
/// <c>Experiments:PollSeconds</c>, so after a restart (when queued jobs may be gone) each one carries on from its
/// stored stage; <see cref="RunOneAsync"/> is enqueued on creation, cancel and the notifications that make a stage
/// end sooner than the next poll would notice.
/// </summary>
internal sealed class AdvanceExperimentsJob(IDbContextFactory<ExperimentsDbContext> dbFactory, ExperimentWorkflow workflow,
    ILogger<AdvanceExperimentsJob> logger) : IRecurringJob
{
    public const string RecurringId = "experiments:advance";

    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        List<Guid> running;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            running = await db.Experiments.AsNoTracking().Where(e => e.Status == ExperimentStatus.Running)
                .OrderBy(e => e.CreatedAt).Select(e => e.Id).ToListAsync(cancellationToken);
        }

        foreach (var id in running)
        {
            try
            {
                await workflow.AdvanceAsync(id, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One experiment's trouble (a database hiccup, a module throwing) must not hold up the others.
                logger.LogError(e, "Advancing experiment {Id} failed; trying again at the next poll", id);
            }
        }
    }

    /// <summary>Retried briefly: the recurring poll would get there anyway, this only makes it sooner.</summary>
    [AutomaticRetry(Attempts = 2, DelaysInSeconds = [1, 5], OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    public Task RunOneAsync(Guid experimentId, CancellationToken cancellationToken) => workflow.AdvanceAsync(experimentId, cancellationToken);
}
