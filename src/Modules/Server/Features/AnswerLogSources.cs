using System.Text.Json;
using Aibench.Contracts.Server;
using Aibench.Server.Lifecycle;
using Aibench.Server.Persistence;
using Aibench.Server.Recipes;
using Aibench.Server.Scheduling;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Server.Features;

/// <summary>
/// Tells the Logs module which run folders to read (services' and load-generator workers'), on which nodes their tasks
/// run, and which values to mask.
/// </summary>
internal sealed class AnswerLogSources(IDbContextFactory<ServerDbContext> dbFactory, RecipeCatalog catalog, TimeProvider time)
    : IQueryHandler<ListLogSources, IReadOnlyList<LogSource>>
{
    /// <summary>
    /// A job's processes may still write for a while after the scheduler reports its end: a cancelled or timed-out job
    /// gets TERM and is killed only after SLURM's KillWait (30 s by default; the local scheduler waits 10 s), and
    /// workers hand in what they measured in that time. Its files are therefore followed that much longer.
    /// </summary>
    public static readonly TimeSpan EndGrace = TimeSpan.FromSeconds(30);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, IReadOnlyList<string>> _workerSecrets = new(StringComparer.Ordinal);

    public async ValueTask<IReadOnlyList<LogSource>> Handle(ListLogSources query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var services = await db.Services.AsNoTracking().Include(s => s.Endpoints)
            .Where(s => s.RunFolder != null)
            .ToListAsync(cancellationToken);
        var quiet = time.GetUtcNow() - EndGrace;
        var workers = await db.WorkerJobs.AsNoTracking()
            .Where(w => w.EndedAt == null || w.EndedAt >= query.EndedSince)
            .ToListAsync(cancellationToken);
        return
        [
            .. services
                .Where(s => !s.Status.IsTerminal() || s.UpdatedAt >= query.EndedSince)
                .OrderBy(s => s.CreatedAt)
                .Select(s => new LogSource(s.Id, LogSourceKind.Service, s.RunFolder!, s.Status.IsTerminal() && s.UpdatedAt <= quiet, NodeOfTask(s),
                    Secrets(s), s.ExperimentId)),
            .. workers
                .OrderBy(w => w.CreatedAt)
                .Select(w => new LogSource(w.BenchmarkId, LogSourceKind.Workers, w.RunFolder, w.EndedAt <= quiet, NodeOfWorker(w.RunFolder),
                    WorkerSecrets(w.RunFolder), w.ExperimentId)),
        ];
    }

    /// <summary>
    /// Each task's node: from the endpoint files as soon as a task starts (before its first output line), and from the
    /// database once the service is ready.
    /// </summary>
    private static Dictionary<int, string> NodeOfTask(ServiceRecord service)
    {
        var nodes = RunFolder.Endpoints(service.RunFolder!).GroupBy(e => e.Task).ToDictionary(g => g.Key, g => g.First().Node);
        foreach (var endpoint in service.Endpoints)
        {
            nodes[endpoint.Task] = endpoint.Node;
        }

        return nodes;
    }

    /// <summary>
    /// The values given to parameters the recipe marks secret. The database keeps them masked; the run folder's env.sh
    /// (owner-only) has them, as <c>export AIBENCH_P_NAME='value'</c>.
    /// </summary>
    private List<string> Secrets(ServiceRecord service)
    {
        var recipe = catalog.Find(service.Recipe);
        var names = recipe?.Parameters.Where(p => p.Secret).Select(p => $"AIBENCH_P_{p.Name.ToUpperInvariant()}").ToHashSet(StringComparer.Ordinal)
            ?? [];
        var env = Path.Combine(service.RunFolder!, RenderedJob.EnvFile);
        if (names.Count == 0 || !File.Exists(env)) return [];
        var secrets = new List<string>();
        try
        {
            foreach (var line in File.ReadLines(env))
            {
                var eq = line.IndexOf('=', StringComparison.Ordinal);
                if (!line.StartsWith("export ", StringComparison.Ordinal) || eq < 0 || !names.Contains(line[7..eq])) continue;
                var quoted = line[(eq + 1)..];
                if (quoted.Length >= 2 && quoted[0] == '\'' && quoted[^1] == '\'')
                {
                    // The renderer writes a ' inside a value as '\''.
                    var value = quoted[1..^1].Replace("'\\''", "'", StringComparison.Ordinal);
                    if (value.Length > 0) secrets.Add(value);
                }
            }
        }
        catch (IOException)
        {
            return secrets;
        }

        return secrets;
    }

    /// <summary>Each worker's node, from <c>workers/&lt;task&gt;.node</c>, which its task script writes before starting it.</summary>
    private static Dictionary<int, string> NodeOfWorker(string runFolder)
    {
        var nodes = new Dictionary<int, string>();
        var folder = Path.Combine(runFolder, "workers");
        if (!Directory.Exists(folder)) return nodes;
        try
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*.node"))
            {
                if (int.TryParse(Path.GetFileNameWithoutExtension(file), System.Globalization.NumberStyles.None,
                    System.Globalization.CultureInfo.InvariantCulture, out var task)
                    && File.ReadAllText(file).Trim() is { Length: > 0 and <= 255 } node)
                {
                    nodes[task] = node;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A file being written, or not readable yet: the next pass reads it.
        }

        return nodes;
    }

    /// <summary>
    /// The workers' token for the host, from worker.json (owner-only): it must never reach a log. Read once per job:
    /// the file does not change, and it can be large (a dataset inline).
    /// </summary>
    private IReadOnlyList<string> WorkerSecrets(string runFolder)
    {
        if (_workerSecrets.TryGetValue(runFolder, out var known)) return known;
        IReadOnlyList<string> secrets = [];
        try
        {
            using var stream = File.OpenRead(Path.Combine(runFolder, WorkerJobSpec.ConfigFile));
            using var json = JsonDocument.Parse(stream);
            if (json.RootElement.ValueKind == JsonValueKind.Object)
            {
                var token = json.RootElement.EnumerateObject().FirstOrDefault(p => p.Name.Equals("token", StringComparison.OrdinalIgnoreCase));
                if (token.Value.ValueKind == JsonValueKind.String && token.Value.GetString() is { Length: > 0 } value) secrets = [value];
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            // Not there (yet) or unreadable: nothing to mask that could be known, and asked again next pass.
            return secrets;
        }

        _workerSecrets[runFolder] = secrets;
        return secrets;
    }
}
