using System.Diagnostics;
using Aibench.Server.Scheduling;
using Aibench.Tests.Infrastructure;

namespace Aibench.Tests.Server;

/// <summary>What the rendered-script tests share: golden files and running bash.</summary>
internal static class Scripts
{
    /// <summary>
    /// Rendered scripts are pinned: a change to them is a change in what runs on the cluster and shows up in review.
    /// AIBENCHTEST_UPDATE_GOLDEN=1 rewrites the files after a deliberate change.
    /// </summary>
    public static void AssertGolden(string prefix, RenderedJob rendered)
    {
        foreach (var (file, text) in new[] { ("job.sh", rendered.BatchScript), ("env.sh", rendered.EnvScript), ("task.sh", rendered.TaskScript) })
        {
            var golden = $"{prefix}.{file}";
            if (Environment.GetEnvironmentVariable("AIBENCHTEST_UPDATE_GOLDEN") == "1")
            {
                File.WriteAllText(Path.Combine(Repo.Root, "tests", "Aibench.Tests", "Server", "Golden", golden), text);
                continue;
            }

            Assert.Equal(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Server", "Golden", golden)), text);
        }
    }

    public static async Task<(int Code, string Stdout, string Stderr)> BashAsync(string[] args, string? stdin, IReadOnlyDictionary<string,
        string>? env = null)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) info.Environment[k] = v;
        using var process = Process.Start(info)!;
        if (stdin is not null) await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        var stdout = await process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, stdout, stderr);
    }
}
