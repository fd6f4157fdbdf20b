using System.Text.RegularExpressions;
using Aibench.Contracts.Experiments;
using Aibench.Contracts.Server;
using Aibench.Logs.Features;
using Aibench.Logs.Persistence;
using Aibench.Logs.Tailing;
using Hangfire;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Aibench.Logs.Jobs;

/// <summary>
/// Follows the log files of every service in its run folder. Started every minute (and once at start-up) and looping until the minute ends,
/// polling four times a second, so lines reach the store and live streams well under a second after they are
/// written without a recurring job per poll. Only one loop runs at a time. Lines and the new read offsets are
/// written in one transaction: a restart resumes exactly where the last commit stopped, with no line twice or lost.
/// </summary>
[AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
[DisableConcurrentExecution(timeoutInSeconds: 10)]
internal sealed partial class TailLogsJob(
    IDbContextFactory<LogsDbContext> dbFactory,
    ISender sender,
    LogBroadcaster broadcaster,
    TimeProvider time,
    ILogger<TailLogsJob> logger)
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
        while (!cancellationToken.IsCancellationRequested && time.GetUtcNow() < until)
        {
            try
            {
                await TailOnceAsync(cancellationToken);
            }
            catch (Exception e) when (e is IOException or DbUpdateException)
            {
                logger.LogWarning(e, "Reading job logs failed; trying again");
            }

            await Task.Delay(Poll, time, cancellationToken);
        }
    }

    /// <summary>One pass over every file; returns the number of lines stored.</summary>
    public async Task<int> TailOnceAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var sources = await sender.Send(new ListLogSources(now - AfterEnd), cancellationToken);
        if (sources.Count == 0)
        {
            return 0;
        }

        var experiments = await sender.Send(new GetExperimentsOfServices([.. sources.Select(s => s.ServiceId)]), cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var ids = sources.Select(s => s.ServiceId).ToList();
        var files = await db.Files.Where(f => ids.Contains(f.ServiceId)).ToDictionaryAsync(f => f.Path, cancellationToken);
        var added = new List<LogLine>();
        foreach (var source in sources)
        {
            Guid? experiment = experiments.TryGetValue(source.ServiceId, out var e) ? e : null;
            foreach (var (path, stream, task) in Discover(source.RunFolder))
            {
                if (!files.TryGetValue(path, out var file))
                {
                    file = new LogFile { Path = path, ServiceId = source.ServiceId, Stream = stream, Task = task };
                    files[path] = file;
                    db.Files.Add(file);
                }

                if (file.Finished)
                {
                    continue;
                }

                var read = LogFileReader.Read(path, new TailState(file.Offset, file.Head, file.SkippingLongLine));
                var node = task is { } t && source.NodeOfTask.TryGetValue(t, out var n) ? n : null;
                foreach (var entry in LineParser.Parse(read.Lines, now.Year))
                {
                    var line = new LogLine
                    {
                        ServiceId = source.ServiceId,
                        ExperimentId = experiment,
                        Node = node,
                        Task = task,
                        Stream = stream,
                        Level = entry.Level,
                        Timestamp = entry.Timestamp ?? now,
                        Text = Redactor.Apply(entry.Text, source.Secrets),
                    };
                    db.Lines.Add(line);
                    added.Add(line);
                }

                if (read.State.Offset != file.Offset || read.State.Head != file.Head || read.State.SkippingLongLine != file.SkippingLongLine)
                {
                    file.Offset = read.State.Offset;
                    file.Head = read.State.Head;
                    file.SkippingLongLine = read.State.SkippingLongLine;
                    file.UpdatedAt = now;
                }

                // The read after the end that finds nothing new is the last.
                if (source.Ended && read.Lines.Count == 0)
                {
                    file.Finished = true;
                }
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        if (added.Count > 0)
        {
            broadcaster.Publish([.. added.Select(ListLogsHandler.View)]);
        }

        return added.Count;
    }

    /// <summary>The job's log files: each task's output, the batch script's, and whatever the job writes under logs/.</summary>
    internal static IEnumerable<(string Path, string Stream, int? Task)> Discover(string runFolder)
    {
        if (!Directory.Exists(runFolder))
        {
            yield break;
        }

        foreach (var path in Directory.EnumerateFiles(runFolder).Order(StringComparer.Ordinal))
        {
            var match = OutputFile().Match(Path.GetFileName(path));
            if (match.Success)
            {
                yield return (path, match.Groups["ext"].Value == "err" ? "stderr" : "stdout",
                    match.Groups["kind"].Value == "task" ? int.Parse(match.Groups["n"].Value, System.Globalization.CultureInfo.InvariantCulture) : null);
            }
        }

        var logs = Path.Combine(runFolder, "logs");
        if (Directory.Exists(logs))
        {
            foreach (var path in Directory.EnumerateFiles(logs, "*.log").Order(StringComparer.Ordinal))
            {
                // logs/<task>-<anything>.log belongs to that task; other names to the job.
                var task = TaskPrefix().Match(Path.GetFileName(path));
                yield return (path, "stdout", task.Success ? int.Parse(task.Groups["n"].Value, System.Globalization.CultureInfo.InvariantCulture) : null);
            }
        }
    }

    [GeneratedRegex(@"^(?<kind>task|slurm)-(?<n>\d+)\.(?<ext>out|err)$")]
    private static partial Regex OutputFile();

    [GeneratedRegex(@"^(?<n>\d{1,4})-")]
    private static partial Regex TaskPrefix();
}
