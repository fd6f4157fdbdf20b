namespace Aibench.Shared.Cli;

/// <summary>
/// Where aibench keeps its state when <c>Home</c> (<c>AIBENCH_HOME</c>) is not set: <c>$XDG_DATA_HOME/aibench</c>, else
/// <c>~/.local/share/aibench</c>. The server and the commands that talk to it (which read its token file) agree on it.
/// </summary>
public static class AibenchHome
{
    public static string Default()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        var root = !string.IsNullOrEmpty(xdg)
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        return Path.Combine(root, "aibench");
    }

    /// <summary>The home a command uses: <c>AIBENCH_HOME</c> when set, else <see cref="Default"/>.</summary>
    public static string Current() => Environment.GetEnvironmentVariable("AIBENCH_HOME") is { Length: > 0 } home ? Path.GetFullPath(home) : Default();

    /// <summary>The file the server keeps its access token in (mode 0600).</summary>
    public static string TokenFile(string home) => Path.Combine(home, "token");
}
