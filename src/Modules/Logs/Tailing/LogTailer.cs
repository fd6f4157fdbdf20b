using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Aibench.Contracts.Server;
using Aibench.Logs.Features;
using Aibench.Logs.Persistence;
using Aibench.Shared.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Logs.Tailing;

/// <summary>
/// Reads what is new in each log file of some services, stores the lines and the files' new offsets in one
/// transaction, then hands the lines to live streams. A restart resumes exactly where the last commit stopped.
/// </summary>
internal sealed partial class LogTailer(IDbContextFactory<LogsDbContext> dbFactory, LogBroadcaster broadcaster, TimeProvider time)
{
    /// <summary>How long a task's output waits for its node to be known before it is stored without one.</summary>
    public static readonly TimeSpan NodeWait = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, DateTimeOffset> _waitingForNode = new(StringComparer.Ordinal);

    /// <summary>
    /// One pass over every file of these services and worker jobs, each line labelled with its source's experiment.
    /// Returns the number of lines stored.
    /// </summary>
    public async Task<int> TailAsync(IReadOnlyList<LogSource> sources, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var ids = sources.Select(s => s.Id).ToList();
        var files = await db.Files.Where(f => ids.Contains(f.SourceId)).ToDictionaryAsync(f => f.Path, cancellationToken);
        var added = new List<LogLine>();
        foreach (var source in sources)
        {
            var experiment = source.ExperimentId;
            Guid? service = source.Kind == LogSourceKind.Service ? source.Id : null;
            Guid? benchmark = source.Kind == LogSourceKind.Workers ? source.Id : null;
            foreach (var (path, stream, task) in Discover(source.RunFolder))
            {
                var node = task is { } t && source.NodeOfTask.TryGetValue(t, out var n) ? n : null;
                // A task writes its endpoint file (its node) just before its first line, but the node list was taken a
                // moment before the files are read: such lines would go without a node. They wait a pass or two
                // instead; a file whose node never comes is read without one from then on.
                if (task is not null && node is null && !source.Ended)
                {
                    if (time.GetUtcNow() - _waitingForNode.GetOrAdd(path, now) < NodeWait)
                    {
                        continue;
                    }
                }
                else
                {
                    _waitingForNode.TryRemove(path, out _);
                }

                if (!files.TryGetValue(path, out var file))
                {
                    file = new LogFile { Path = path, SourceId = source.Id, Stream = stream, Task = task };
                    files[path] = file;
                    db.Files.Add(file);
                }

                if (file.Finished)
                {
                    continue;
                }

                var read = LogFileReader.Read(path, new TailState(file.Offset, file.Head, file.SkippingLongLine));
                foreach (var entry in LineParser.Parse(read.Lines, now.Year))
                {
                    var line = new LogLine
                    {
                        ServiceId = service,
                        BenchmarkId = benchmark,
                        ExperimentId = experiment,
                        Node = node,
                        Task = task,
                        Stream = stream,
                        Level = entry.Level,
                        Timestamp = entry.Timestamp ?? now,
                        Text = Redactor.Apply(entry.Text, source.Secrets),
                    };
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
                    // Retention forgets finished files by this time; it must not be the last time the file grew.
                    file.UpdatedAt = now;
                }
            }
        }

        // Lines go in bulk (change tracking costs a hundred times more per line); offsets with them, in one transaction.
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            await BulkInsert.InsertAsync(db, added, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

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
                    match.Groups["kind"].Value == "task" ? int.Parse(match.Groups["n"].Value, System.Globalization.CultureInfo.InvariantCulture)
                        : null);
            }
        }

        var logs = Path.Combine(runFolder, "logs");
        if (Directory.Exists(logs))
        {
            foreach (var path in Directory.EnumerateFiles(logs, "*.log").Order(StringComparer.Ordinal))
            {
                // logs/<task>-<anything>.log belongs to that task; other names to the job.
                var task = TaskPrefix().Match(Path.GetFileName(path));
                yield return (path, "stdout", task.Success ? int.Parse(task.Groups["n"].Value, System.Globalization.CultureInfo.InvariantCulture)
                    : null);
            }
        }
    }

    [GeneratedRegex(@"^(?<kind>task|slurm)-(?<n>\d+)\.(?<ext>out|err)$")]
    private static partial Regex OutputFile();

    [GeneratedRegex(@"^(?<n>\d{1,4})-")]
    private static partial Regex TaskPrefix();
}
