using Aibench.Contracts.Server;
using Aibench.Logs.Tailing;
using Aibench.Shared.Modules;
using Hangfire;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Aibench.Logs.Jobs;

/// <summary>
/// Follows the log files of every service and load-generator worker job in its run folder. Started every minute (and once at start-up) and looping
/// until the minute ends,
/// polling four times a second, so lines reach the store and live streams well under a second after they are
/// written without a recurring job per poll. Only one loop runs at a time (<see cref="LogTailer"/> relies on a single writer).
/// </summary>
[AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
[DisableConcurrentExecution(timeoutInSeconds: 10)]
internal sealed class TailLogsJob(
    ISender sender,
    LogTailer tailer,
    TimeProvider time,
    ILogger<TailLogsJob> logger) : IRecurringJob
{
    public const string RecurringId = "logs:tail";
    public static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Overlap = TimeSpan.FromSeconds(1);

    /// <summary>Ended services are read for this long after their end, then once more, then left alone.</summary>
    private static readonly TimeSpan AfterEnd = TimeSpan.FromMinutes(10);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // Run a second into the next minute: that minute's run, started by then, waits on the lock and takes over
        // as this one ends, so following never pauses.
        var now = time.GetUtcNow();
        var until = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddMinutes(1) + Overlap;
        var reported = false;
        while (!cancellationToken.IsCancellationRequested && time.GetUtcNow() < until)
        {
            var started = time.GetTimestamp();
            try
            {
                await TailOnceAsync(cancellationToken);
            }
            catch (Exception e) when (e is IOException or DbUpdateException or System.Data.Common.DbException)
            {
                logger.LogWarning(e, "Reading job logs failed; trying again");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Anything else (another module's query failing, a bug) must not stop collection until the next minute;
                // said once per run, not four times a second.
                if (!reported)
                {
                    logger.LogError(e, "Reading job logs failed unexpectedly; trying again every pass");
                    reported = true;
                }
            }

            await Task.Delay(UntilNextPass(time.GetElapsedTime(started)), time, cancellationToken);
        }
    }

    /// <summary>
    /// Passes start every <see cref="Poll"/>; one that took longer (a job writing very fast) is followed at once, so
    /// lines wait for at most one pass, not a pass and a poll.
    /// </summary>
    internal static TimeSpan UntilNextPass(TimeSpan passTook) => passTook >= Poll ? TimeSpan.Zero : Poll - passTook;

    /// <summary>One pass over every file of every service whose logs are collected; returns the number of lines stored.</summary>
    public async Task<int> TailOnceAsync(CancellationToken cancellationToken)
    {
        var sources = await sender.Send(new ListLogSources(time.GetUtcNow() - AfterEnd), cancellationToken);
        if (sources.Count == 0)
        {
            return 0;
        }

        // Each source says its experiment itself (the Server module got it with the deployment or the worker job).
        return await tailer.TailAsync(sources, cancellationToken);
    }
}
