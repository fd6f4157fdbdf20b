using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;

namespace Aibench.Tests.Infrastructure;

/// <summary>
/// The real host (Program's entry point, all modules, Hangfire, auth) in memory, on its own data folder and
/// database. Settings go in the way a user's would: as configuration keys.
/// </summary>
public sealed class AibenchFactory : WebApplicationFactory<Program>
{
    public const string TestToken = "test-token-0123456789-abcdefghij";

    private readonly Dictionary<string, string?> _settings;
    private readonly string _root;

    public AibenchFactory(string? postgres = null, IDictionary<string, string?>? settings = null, bool withToken = true, string? home = null)
    {
        _root = Directory.CreateTempSubdirectory("aibench-test-").FullName;
        // Not created here: aibench must create its data folder itself, privately.
        Home = home ?? Path.Combine(_root, "home");
        _settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase) { ["Home"] = Home };
        if (withToken)
        {
            _settings["Token"] = TestToken;
        }

        if (postgres is not null)
        {
            _settings["ConnectionStrings:Postgres"] = postgres;
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public string Home { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseContentRoot(AppContext.BaseDirectory);
        builder.ConfigureAppConfiguration(config => config.AddInMemoryCollection(_settings));
    }

    /// <summary>A client that follows no redirects, so tests see the 302s of the log-in flow.</summary>
    public HttpClient Anonymous() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });

    public HttpClient Authorized(string token = TestToken)
    {
        var client = Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        StopJobsLeftUnder(_root);
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A log file may still be held by a sink being flushed; the temp folder is the OS's to clean.
        }
    }

    /// <summary>
    /// Local-scheduler jobs a test left running (a service it did not delete) run in their run folders under this
    /// factory's private root, as sessions of their own that outlive the test process: they would hold their ports
    /// and, through inherited descriptors, the test script's lock. A home passed in from outside is left alone: a
    /// restart test's second host takes its jobs over.
    /// </summary>
    private static void StopJobsLeftUnder(string root)
    {
        if (!OperatingSystem.IsLinux()) return;
        foreach (var proc in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(proc), out var pid) || pid == Environment.ProcessId) continue;
            try
            {
                var cwd = new FileInfo(Path.Combine(proc, "cwd")).LinkTarget;
                if (cwd is null || !(cwd == root || cwd.StartsWith(root + "/", StringComparison.Ordinal))) continue;
                using var process = System.Diagnostics.Process.GetProcessById(pid);
                process.Kill(entireProcessTree: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException
                or System.ComponentModel.Win32Exception)
            {
                // Gone meanwhile, or not ours to see.
            }
        }
    }
}
