using System.Globalization;

namespace Aibench.Server.Lifecycle;

/// <summary>
/// The files of one job array beside the services' run folders (<c>runs/arrays/&lt;id&gt;</c>): its batch script, its
/// own output, and the marker that records the array's job id and task indices once submitted, before the database
/// does, so a host that stops in between finds the submission again instead of making a second one.
/// </summary>
internal static class ArrayFolder
{
    public static string For(ServerSettings settings, Guid arrayId) => Path.Combine(settings.RunsFolder, "arrays", arrayId.ToString());

    /// <summary>The array's job id and the indices of the services it runs, when it was submitted.</summary>
    public static (string JobId, IReadOnlySet<int> Indices)? Submitted(string folder)
    {
        var marker = Path.Combine(folder, RunFolder.SubmittedMarker);
        if (!File.Exists(marker)) return null;
        var lines = File.ReadAllLines(marker);
        if (lines.Length < 2 || lines[0].Trim() is not { Length: > 0 } jobId) return null;
        return (jobId, lines[1].Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(i => int.Parse(i, CultureInfo.InvariantCulture)).ToHashSet());
    }

    /// <summary>Written whole and then moved in place: a marker is never read half-written.</summary>
    public static void MarkSubmitted(string folder, string jobId, IEnumerable<int> indices)
    {
        var marker = Path.Combine(folder, RunFolder.SubmittedMarker);
        File.WriteAllText(marker + ".tmp", $"{jobId}\n{string.Join(',', indices.Order().Select(i => i.ToString(CultureInfo.InvariantCulture)))}\n");
        File.Move(marker + ".tmp", marker, overwrite: true);
    }

    /// <summary>A task's job id as SLURM names it: <c>&lt;array&gt;_&lt;index&gt;</c>.</summary>
    public static string TaskJobId(string arrayJobId, int index) => $"{arrayJobId}_{index.ToString(CultureInfo.InvariantCulture)}";
}
