namespace Aibench.Bench;

/// <summary>Facts about the machine a benchmark runs on, printed with its figures.</summary>
internal static class Machine
{
    /// <summary>The 1, 5 and 15 minute load averages: other work on the machine shows up as lag and jitter.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    public static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => Path.Combine(dir, name))
        .FirstOrDefault(File.Exists);
}
