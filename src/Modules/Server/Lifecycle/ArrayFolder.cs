using System.Globalization;

namespace Aibench.Server.Lifecycle;

/// <summary>
/// The files of one job array beside the services' run folders (<c>runs/arrays/&lt;id&gt;</c>): its batch script, the
/// task indices it was planned with (written before sbatch, so that a submission whose answer was lost is recorded
/// with the tasks it really has), the marker that records the array's job id once submitted (before the database does),
/// a refusal, and one link per task to its service's run folder, where SLURM writes the task's output.
/// </summary>
internal static class ArrayFolder
{
    private const string PlannedMarker = "planned";
    private const string RefusedMarker = "refused";

    public static string For(ServerSettings settings, Guid arrayId) => Path.Combine(settings.RunsFolder, "arrays", arrayId.ToString());

    /// <summary>The array's job id and the indices of the services it runs, when it was submitted.</summary>
    public static (string JobId, IReadOnlySet<int> Indices)? Submitted(string folder) =>
        File.Exists(Path.Combine(folder, RunFolder.SubmittedMarker)) && File.ReadAllLines(Path.Combine(folder, RunFolder.SubmittedMarker)) is
            [{ Length: > 0 } jobId, var indices, ..]
            ? (jobId.Trim(), Parse(indices))
            : null;

    /// <summary>The indices the array was about to be submitted with; null before that.</summary>
    public static IReadOnlySet<int>? Planned(string folder) =>
        File.Exists(Path.Combine(folder, PlannedMarker)) ? Parse(File.ReadAllText(Path.Combine(folder, PlannedMarker))) : null;

    /// <summary>Why the scheduler refused the array (its services then go as jobs of their own); null when it did not.</summary>
    public static string? Refused(string folder) =>
        File.Exists(Path.Combine(folder, RefusedMarker)) ? File.ReadAllText(Path.Combine(folder, RefusedMarker)) : null;

    public static void MarkPlanned(string folder, IEnumerable<int> indices) => Write(folder, PlannedMarker, Text(indices) + "\n");

    public static void MarkSubmitted(string folder, string jobId, IEnumerable<int> indices) =>
        Write(folder, RunFolder.SubmittedMarker, $"{jobId}\n{Text(indices)}\n");

    public static void MarkRefused(string folder, string message) => Write(folder, RefusedMarker, message);

    /// <summary>
    /// <c>&lt;folder&gt;/&lt;index&gt;</c> → the service's run folder: the array's output pattern <c>%a/slurm-%A_%a.out</c>
    /// then puts each task's output, SLURM's own messages (time limit, memory) included, where a job of its own has it.
    /// </summary>
    public static void Link(string folder, int index, string runFolder)
    {
        var link = Path.Combine(folder, index.ToString(CultureInfo.InvariantCulture));
        if (!Path.Exists(link))
        {
            Directory.CreateSymbolicLink(link, runFolder);
        }
    }

    /// <summary>A task's job id as SLURM names it: <c>&lt;array&gt;_&lt;index&gt;</c>.</summary>
    public static string TaskJobId(string arrayJobId, int index) => $"{arrayJobId}_{index.ToString(CultureInfo.InvariantCulture)}";

    private static HashSet<int> Parse(string indices) =>
        [.. indices.Trim().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(i => int.Parse(i, CultureInfo.InvariantCulture))];

    private static string Text(IEnumerable<int> indices) =>
        string.Join(',', indices.Distinct().Order().Select(i => i.ToString(CultureInfo.InvariantCulture)));

    /// <summary>Written whole and then moved in place: a marker is never read half-written.</summary>
    private static void Write(string folder, string name, string content)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path + ".tmp", content);
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
