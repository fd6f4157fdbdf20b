namespace Aibench.Tests.Infrastructure;

internal static class Repo
{
    /// <summary>The checkout's root: the folder holding Benchmark.sln above the test binaries.</summary>
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Benchmark.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Benchmark.sln not found above " + AppContext.BaseDirectory);
    }
}
