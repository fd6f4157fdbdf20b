using System.Text.Json;

namespace Aibench.Server.Lifecycle;

/// <summary>The files of one service on the shared filesystem: scripts, endpoint announcements, output.</summary>
internal static class RunFolder
{
    public const string SubmittedMarker = "submitted";

    public static string For(ServerSettings settings, Guid serviceId) => Path.Combine(settings.RunsFolder, serviceId.ToString());

    internal sealed record EndpointFile(string Host, int Port, string Node, int Task);

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    /// <summary>Endpoint files written by the tasks; a half-written or malformed file is skipped until the next look.</summary>
    public static IReadOnlyList<EndpointFile> Endpoints(string runFolder)
    {
        var folder = Path.Combine(runFolder, "endpoints");
        if (!Directory.Exists(folder))
        {
            return [];
        }

        var endpoints = new List<EndpointFile>();
        foreach (var file in Directory.GetFiles(folder, "*.json"))
        {
            try
            {
                if (JsonSerializer.Deserialize<EndpointFile>(File.ReadAllText(file), Json) is { Host.Length: > 0, Port: > 0 and < 65536 } e
                    && HostLike(e.Host))
                {
                    endpoints.Add(e);
                }
            }
            catch (Exception ex) when (ex is IOException or JsonException)
            {
            }
        }

        return [.. endpoints.OrderBy(e => e.Task)];
    }

    internal sealed record ExporterFile(string Kind, string Host, int Port, string Node, int Task, string Path)
    {
        public string Url => $"http://{(Host.Contains(':', StringComparison.Ordinal) && !Host.StartsWith('[') ? $"[{Host}]" : Host)}:{Port}{Path}";
    }

    private static readonly string[] ExporterKinds = ["node", "gpu"];

    /// <summary>
    /// Monitoring sidecars the tasks announced (exporters/&lt;task&gt;-&lt;kind&gt;.json). The files are written by the job,
    /// so what becomes a URL is checked as strictly as an endpoint's host.
    /// </summary>
    public static IReadOnlyList<ExporterFile> Exporters(string runFolder)
    {
        var folder = Path.Combine(runFolder, "exporters");
        if (!Directory.Exists(folder))
        {
            return [];
        }

        var exporters = new List<ExporterFile>();
        foreach (var file in Directory.GetFiles(folder, "*.json"))
        {
            try
            {
                if (JsonSerializer.Deserialize<ExporterFile>(File.ReadAllText(file), Json) is { Host.Length: > 0, Port: > 0 and < 65536, Task: >= 0 }
                    e
                    && ExporterKinds.Contains(e.Kind)
                    && HostLike(e.Host)
                    && e.Path is { Length: > 0 and <= 256 } path && path[0] == '/'
                        && path.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '_' or '-' or '~'))
                {
                    exporters.Add(e with { Node = e.Node ?? "" });
                }
            }
            catch (Exception ex) when (ex is IOException or JsonException)
            {
            }
        }

        return [.. exporters.OrderBy(e => e.Task).ThenBy(e => e.Kind, StringComparer.Ordinal)];
    }

    private static bool HostLike(string host) => host.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or ':' or '[' or ']');

    /// <summary>
    /// Where to look when a job failed: the first non-empty error output (a task's, then the batch script's),
    /// with its last line, so the reason shown is one the user can act on.
    /// </summary>
    public static string? ErrorHint(string runFolder, string? jobId)
    {
        if (!Directory.Exists(runFolder))
        {
            return null;
        }

        var candidates = Directory.GetFiles(runFolder, "task-*.err").Order(StringComparer.Ordinal).ToList();
        if (jobId is not null)
        {
            candidates.Add(Path.Combine(runFolder, $"slurm-{jobId}.err"));
        }

        foreach (var file in candidates.Where(File.Exists))
        {
            var info = new FileInfo(file);
            if (info.Length == 0) continue;
            var last = LastLine(file);
            if (last is null) return $"see {file}";
            last = last.Length > 300 ? last[..300] + "…" : last;
            // Which replica, and on which node, is what a user of a many-node job needs to find the culprit.
            var name = Path.GetFileNameWithoutExtension(file);
            if (name.StartsWith("task-", StringComparison.Ordinal) && int.TryParse(name[5..], out var task)
                && Endpoints(runFolder).FirstOrDefault(e => e.Task == task) is { Node.Length: > 0 } endpoint)
            {
                return $"replica {task} on {endpoint.Node}: {last} (see {file})";
            }

            return $"see {file}: {last}";
        }

        return null;
    }

    /// <summary>
    /// The last lines of the attempt's error output (each task's, then the batch script's), for the attempt's record: the
    /// next attempt's job writes the same task files.
    /// </summary>
    public static string? LastLines(string runFolder, string? jobId, int lines = 20)
    {
        if (!Directory.Exists(runFolder))
        {
            return null;
        }

        var files = Directory.GetFiles(runFolder, "task-*.err").Order(StringComparer.Ordinal).ToList();
        if (jobId is not null)
        {
            files.Add(Path.Combine(runFolder, $"slurm-{jobId}.err"));
        }

        var text = new System.Text.StringBuilder();
        foreach (var file in files.Where(f => File.Exists(f) && new FileInfo(f).Length > 0))
        {
            var tail = Tail(file).Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(lines);
            text.Append("==> ").Append(Path.GetFileName(file)).Append(" <==\n");
            foreach (var line in tail)
            {
                text.Append(line.Length > 300 ? line[..300] + "…" : line).Append('\n');
            }
        }

        return text.Length == 0 ? null : text.Length > 8000 ? text.ToString()[^8000..] : text.ToString();
    }

    /// <summary>
    /// Makes the run folder ready for the next attempt: what the previous job announced and wrote (endpoint and exporter
    /// files, the submission marker, task output) moves to <c>attempt-&lt;n&gt;/</c>, where it stays for people to read,
    /// and the batch script gets the new attempt's job name. Safe to repeat: what was moved already is not there.
    /// </summary>
    public static void StartAttempt(string runFolder, int previous, string jobName)
    {
        var archive = Path.Combine(runFolder, $"attempt-{previous}");
        Directory.CreateDirectory(archive, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var name in new[] { "endpoints", "exporters" })
        {
            var folder = Path.Combine(runFolder, name);
            if (Directory.Exists(folder))
            {
                var target = Path.Combine(archive, name);
                if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
                Directory.Move(folder, target);
            }
        }

        foreach (var file in Directory.GetFiles(runFolder, "task-*.*").Append(Path.Combine(runFolder, SubmittedMarker)).Where(File.Exists))
        {
            File.Move(file, Path.Combine(archive, Path.GetFileName(file)), overwrite: true);
        }

        var batch = Path.Combine(runFolder, Scheduling.RenderedJob.BatchFile);
        if (File.Exists(batch))
        {
            var lines = File.ReadAllLines(batch).Select(l => l.StartsWith("#SBATCH --job-name=", StringComparison.Ordinal)
                ? $"#SBATCH --job-name={jobName}" : l);
            var temp = batch + ".tmp";
            File.WriteAllLines(temp, lines);
            File.SetUnixFileMode(temp, File.GetUnixFileMode(batch));
            File.Move(temp, batch, overwrite: true);
        }
    }

    private static string Tail(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(Math.Max(0, stream.Length - 8192), SeekOrigin.Begin);
        return new StreamReader(stream).ReadToEnd();
    }

    private static string? LastLine(string file) =>
        Tail(file).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
}
