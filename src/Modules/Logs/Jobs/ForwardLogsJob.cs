using Aibench.Logs.Loki;
using Aibench.Shared.Modules;
using Hangfire;

namespace Aibench.Logs.Jobs;

/// <summary>
/// Forwards new log lines to Loki for about 55 s, waking every <see cref="LokiSettings.Interval"/> (longer while Loki is
/// failing); the next minute's run takes over. A recurring job rather than a hosted loop: Hangfire's distributed lock
/// (DisableConcurrentExecution) keeps a single forwarder even when several hosts share the database, and a crashed loop
/// comes back by itself within a minute. Idempotent: it only moves a stored position forward, so a repeated or
/// overlapping run re-reads the position and sends nothing twice.
/// </summary>
[AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
[DisableConcurrentExecution(timeoutInSeconds: 15)]
internal sealed class ForwardLogsJob(LokiForwarder forwarder, TimeProvider time) : IRecurringJob
{
    public const string RecurringId = "logs:forward";

    /// <summary>Leaves a few seconds of the minute so that the next run does not wait on this one's lock.</summary>
    internal static readonly TimeSpan RunFor = TimeSpan.FromSeconds(55);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (!cancellationToken.IsCancellationRequested)
        {
            await forwarder.ForwardOnceAsync(cancellationToken);
            var left = RunFor - time.GetElapsedTime(started);
            var delay = forwarder.NextDelay;
            if (left <= delay)
            {
                return;
            }

            await Task.Delay(delay, time, cancellationToken);
        }
    }
}
