using Aibench.Shared.Resilience;

namespace Aibench.Server.Scheduling;

/// <summary>
/// A scheduler behind its circuit breaker (<c>scheduler:&lt;kind&gt;</c>), as <see cref="SchedulerSelector"/> hands it
/// out, so every caller gets it without knowing. The breaker sits outside the backend's own retries: a call is one
/// call for the breaker however often it was retried inside, and while the circuit is open no call — and so no retry —
/// reaches the scheduler.
/// <list type="bullet">
/// <item>A failure is a <see cref="SchedulerUnavailableException"/> (the scheduler could not be asked) or a health check
/// that says it does not answer. A refused submission is an answer, not a failure.</item>
/// <item>While open, calls throw <see cref="SchedulerUnavailableException"/> at once with the circuit's summary
/// ("circuit open since … after 3 failed calls: …"), and <see cref="CheckAsync"/> answers "not reachable" with it and
/// the time of the next try. The call that opens the circuit, and failed trials, throw the same summary, so that a
/// service's reason stays one text for the whole outage.</item>
/// </list>
/// </summary>
internal sealed class CircuitScheduler(IScheduler inner, CircuitBreaker breaker) : IScheduler
{
    public IScheduler Inner => inner;

    public CircuitBreaker Breaker => breaker;

    public string Kind => inner.Kind;

    public bool SupportsArrays => inner.SupportsArrays;

    /// <summary>What counts as a failed call for the scheduler's breaker.</summary>
    public static string? FailureOf(Exception e) => e is SchedulerUnavailableException ? e.Message : null;

    public async Task<SchedulerHealth> CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await breaker.ExecuteAsync(inner.CheckAsync, h => h.Reachable ? null : h.Detail is { Length: > 0 } d ? d : "does not answer",
                cancellationToken);
        }
        catch (CircuitOpenException)
        {
            return new SchedulerHealth(Kind, false, breaker.Describe());
        }
    }

    public Task<string> SubmitAsync(SubmittedJob job, CancellationToken cancellationToken) =>
        GuardAsync(ct => inner.SubmitAsync(job, ct), cancellationToken);

    public Task<string?> FindByNameAsync(string jobName, CancellationToken cancellationToken) =>
        GuardAsync(ct => inner.FindByNameAsync(jobName, ct), cancellationToken);

    public Task<IReadOnlyDictionary<string, JobState>> QueryAsync(IReadOnlyCollection<string> jobIds, CancellationToken cancellationToken) =>
        GuardAsync(ct => inner.QueryAsync(jobIds, ct), cancellationToken);

    public Task CancelAsync(string jobId, CancellationToken cancellationToken) =>
        GuardAsync(async ct =>
        {
            await inner.CancelAsync(jobId, ct);
            return true;
        }, cancellationToken);

    private async Task<T> GuardAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await breaker.ExecuteAsync(call, null, cancellationToken);
        }
        catch (CircuitOpenException e)
        {
            throw new SchedulerUnavailableException(e.Message, e);
        }
        catch (SchedulerUnavailableException e) when (breaker.View is { State: BreakerState.Open } open)
        {
            throw new SchedulerUnavailableException(open.Summary, e);
        }
    }
}
