using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Aibench.Tests.Infrastructure;

/// <summary>
/// The real <c>aibench</c> binary as a user starts it: the published single file when the test script made one
/// (AIBENCHTEST_BINARY), otherwise the build output of src/Host.
/// </summary>
public sealed partial class AibenchProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource<string> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private AibenchProcess(Process process) => _process = process;

    public string Stdout { get { lock (_stdout) return _stdout.ToString(); } }

    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    public static string Binary()
    {
        var published = Environment.GetEnvironmentVariable("AIBENCHTEST_BINARY");
        if (!string.IsNullOrEmpty(published))
        {
            return published;
        }

        // Same configuration as the tests themselves: .../tests/Aibench.Tests/bin/<Configuration>/net10.0/
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        return Path.Combine(Repo.Root, "src", "Host", "bin", configuration, "net10.0", "aibench");
    }

    public static AibenchProcess Start(string home, params string[] args) => Start(home, new Dictionary<string, string>(), args);

    public static AibenchProcess Start(string home, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo(Binary())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // Only what the test says: no AIBENCH_* settings leak in from the environment running the tests.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("AIBENCH", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }

        info.Environment["AIBENCH_HOME"] = home;
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var wrapper = new AibenchProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (wrapper._stdout) wrapper._stdout.AppendLine(e.Data);
            if (ReadyLine().Match(e.Data) is { Success: true } m) wrapper._ready.TrySetResult(m.Groups["url"].Value);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (wrapper._stderr) wrapper._stderr.AppendLine(e.Data);
        };
        process.Exited += (_, _) => wrapper._ready.TrySetException(new InvalidOperationException(
            $"aibench exited with {process.ExitCode} before it was ready.\nstdout:\n{wrapper.Stdout}\nstderr:\n{wrapper.Stderr}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return wrapper;
    }

    /// <summary>The base URL from the ready line, e.g. http://127.0.0.1:41234.</summary>
    public async Task<Uri> ReadyAsync(TimeSpan timeout)
    {
        var url = await _ready.Task.WaitAsync(timeout);
        return new Uri(url);
    }

    public async Task<int> ExitCodeAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public string Token => Regex.Match(Stdout, @"\?token=(?<t>\S+)").Groups["t"].Value;

    public bool HasExited => _process.HasExited;

    /// <summary>
    /// <c>kill -9</c> of the host process alone, as a crash or an OOM kill would end it: no shutdown hooks run, and what it
    /// started elsewhere (SLURM jobs, their workers) is left as it was.
    /// </summary>
    public async Task KillHardAsync()
    {
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"^aibench is ready: (?<url>https?://[^/\s]+)/\?token=\S+$")]
    private static partial Regex ReadyLine();
}
