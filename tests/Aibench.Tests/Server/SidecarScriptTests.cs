using System.Diagnostics;
using System.Text.Json;
using Aibench.Server.Recipes;
using Aibench.Server.Scheduling;
using Aibench.Tests.Infrastructure;

namespace Aibench.Tests.Server;

/// <summary>
/// The monitoring sidecars of a rendered task.sh, run through bash as a task would be: with the real Debian node
/// exporter, and with a fake nvidia-smi (no GPU here) behind the real aibench gpu-sampler.
/// </summary>
public sealed class SidecarScriptTests
{
    internal const string NodeExporter = "/usr/bin/prometheus-node-exporter";

    internal static string? NoNodeExporter => File.Exists(NodeExporter)
        ? null
        : $"{NodeExporter} is missing: apt-get install prometheus-node-exporter (scripts/test.sh does)";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Recipe Sleeper(string exporters) => RecipeParser.Parse($$"""
        name: sleeper
        category: inference
        command: [sleep, "120"]
        ports: [{name: http, port: 18000}]
        metrics: {exporters: {{exporters}}}
        """, "sleeper").Recipe!;

    [Fact]
    public async Task Node_exporter_on_starts_the_real_exporter_announces_it_and_it_dies_with_the_service()
    {
        Assert.SkipWhen(NoNodeExporter is not null, NoNodeExporter ?? "");
        using var run = new Run(Sleeper("{node: on, gpu: off}"));
        using var task = run.Start();

        var file = await run.WaitForFileAsync("exporters/0-node.json", task);
        var exporter = JsonDocument.Parse(await File.ReadAllTextAsync(file, Ct)).RootElement;
        Assert.Equal("node", exporter.GetProperty("kind").GetString());
        Assert.Equal("127.0.0.1", exporter.GetProperty("host").GetString());
        Assert.Equal("test-node", exporter.GetProperty("node").GetString());
        Assert.Equal(0, exporter.GetProperty("task").GetInt32());
        Assert.Equal("/metrics", exporter.GetProperty("path").GetString());
        var url = $"http://127.0.0.1:{exporter.GetProperty("port").GetInt32()}/metrics";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var metrics = await http.GetStringAsync(url, Ct);
        Assert.Contains("node_cpu_seconds_total", metrics);
        Assert.Contains("node_memory_MemAvailable_bytes", metrics);
        // Only the chosen collectors: a job's exporter does not walk the node's whole inventory.
        Assert.DoesNotContain("node_hwmon_", metrics);
        Assert.True(File.Exists(Path.Combine(run.Folder, "endpoints", "0.json")), "the service was not announced after its sidecar");

        // The service (the task's pid, since task.sh execs it) ends by itself: the watchdog takes the sidecar along.
        task.Kill();
        await AssertStopsAnsweringAsync(url);
    }

    [Fact]
    public async Task Exporters_off_start_nothing_even_where_the_exporter_is_installed()
    {
        var recipe = Sleeper("{node: off, gpu: off}");
        Assert.DoesNotContain("exporter", Render("/nowhere", recipe).TaskScript);
        using var run = new Run(recipe);
        using var task = run.Start();
        await run.WaitForFileAsync("endpoints/0.json", task);
        Assert.False(Directory.Exists(Path.Combine(run.Folder, "exporters")));
    }

    [Theory]
    [InlineData("{node: on, gpu: off}",
        "metrics.exporters.node is on, but neither prometheus-node-exporter nor node_exporter is on the PATH of test-node")]
    [InlineData("{node: off, gpu: on}", "metrics.exporters.gpu is on, but neither dcgm-exporter nor nvidia-smi is on the PATH of test-node")]
    public async Task An_exporter_that_is_on_but_missing_fails_the_task_before_the_service_starts(string exporters, string message)
    {
        using var run = new Run(Sleeper(exporters), path: run => run.MinimalPath());
        using var task = run.Start();
        await task.Process.WaitForExitAsync(Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Equal(1, task.Process.ExitCode);
        Assert.Contains(message, await task.StderrAsync());
        Assert.False(File.Exists(Path.Combine(run.Folder, "endpoints", "0.json")), "the service was announced although its task failed");
    }

    [Fact]
    public async Task A_port_claimed_by_a_live_task_is_skipped_and_a_stale_claim_is_taken_over()
    {
        // Services starting at the same moment on one node find the same port free; a task claims the port it takes,
        // and another task's search skips it while the claimer lives. Here the test process is the live claimer.
        using var id = Process.Start(new ProcessStartInfo("id", "-u") { RedirectStandardOutput = true })!;
        var claims = Path.Combine("/tmp", $"aibench-ports-{(await id.StandardOutput.ReadToEndAsync(Ct)).Trim()}");
        Directory.CreateDirectory(claims);
        var claim = Path.Combine(claims, "18000");
        var previous = File.Exists(claim) ? await File.ReadAllTextAsync(claim, Ct) : null;
        try
        {
            await File.WriteAllTextAsync(claim, $"{Environment.ProcessId}\n", Ct);
            using (var run = new Run(Sleeper("{node: off, gpu: off}")))
            using (var task = run.Start())
            {
                var endpoint = JsonDocument.Parse(await File.ReadAllTextAsync(await run.WaitForFileAsync("endpoints/0.json", task), Ct)).RootElement;
                Assert.NotEqual(18000, endpoint.GetProperty("port").GetInt32());
            }

            // A claim whose task is gone is stale: the port is taken over.
            using var gone = Process.Start("true")!;
            await gone.WaitForExitAsync(Ct);
            await File.WriteAllTextAsync(claim, $"{gone.Id}\n", Ct);
            using (var run = new Run(Sleeper("{node: off, gpu: off}")))
            using (var task = run.Start())
            {
                var endpoint = JsonDocument.Parse(await File.ReadAllTextAsync(await run.WaitForFileAsync("endpoints/0.json", task), Ct)).RootElement;
                Assert.Equal(18000, endpoint.GetProperty("port").GetInt32());
                Assert.NotEqual($"{gone.Id}", (await File.ReadAllTextAsync(claim, Ct)).Trim());
            }
        }
        finally
        {
            if (previous is null) File.Delete(claim);
            else await File.WriteAllTextAsync(claim, previous, Ct);
        }
    }

    [Fact]
    public async Task Auto_without_the_programs_runs_the_service_without_sidecars()
    {
        using var run = new Run(Sleeper("{node: auto, gpu: auto}"), path: run => run.MinimalPath());
        using var task = run.Start();
        await run.WaitForFileAsync("endpoints/0.json", task);
        Assert.False(Directory.Exists(Path.Combine(run.Folder, "exporters")));
    }

    [Fact]
    public async Task Gpu_auto_with_only_nvidia_smi_serves_dcgm_metrics_from_the_aibench_sampler()
    {
        using var run = new Run(Sleeper("{node: off, gpu: auto}"), path: run => run.MinimalPath(withFakeNvidiaSmi: true));
        using var task = run.Start();

        var file = await run.WaitForFileAsync("exporters/0-gpu.json", task);
        var exporter = JsonDocument.Parse(await File.ReadAllTextAsync(file, Ct)).RootElement;
        Assert.Equal("gpu", exporter.GetProperty("kind").GetString());
        var url = $"http://127.0.0.1:{exporter.GetProperty("port").GetInt32()}/metrics";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var metrics = await http.GetStringAsync(url, Ct);
        Assert.Contains("DCGM_FI_DEV_GPU_UTIL{gpu=\"0\",UUID=\"GPU-5e1d2b1c-0000-4c1e-9d2a-0a0b0c0d0e01\"", metrics);
        Assert.Contains("modelName=\"NVIDIA A100-SXM4-40GB\"", metrics);

        task.Kill();
        await AssertStopsAnsweringAsync(url);
    }

    private static RenderedJob Render(string folder, Recipe recipe) =>
        JobRenderer.Render(new JobSpec(Guid.CreateVersion7(), recipe, new Dictionary<string, string>(), 1, folder, null, null, null)
        {
            // The real program, as on a compute node: the GPU sidecar is `aibench gpu-sampler`.
            AibenchBinary = AibenchProcess.Binary(),
        });

    internal static async Task AssertStopsAnsweringAsync(string url)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var until = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                await http.GetAsync(url, Ct);
            }
            catch (HttpRequestException)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < until, $"{url} still answers after the service or job ended");
            await Task.Delay(200, Ct);
        }
    }

    /// <summary>A run folder with the rendered scripts, set up as the local scheduler sets up task 0.</summary>
    private sealed class Run : IDisposable
    {
        private readonly Func<Run, string>? _path;

        public Run(Recipe recipe, Func<Run, string>? path = null)
        {
            Folder = Directory.CreateTempSubdirectory("aibench-test-sidecar-").FullName;
            _path = path;
            var rendered = Render(Folder, recipe);
            File.WriteAllText(Path.Combine(Folder, RenderedJob.EnvFile), rendered.EnvScript);
            File.WriteAllText(Path.Combine(Folder, RenderedJob.TaskFile), rendered.TaskScript);
        }

        public string Folder { get; }

        /// <summary>Only what task.sh needs besides its sidecars, so that "missing" is true whatever the machine has.</summary>
        public string MinimalPath(bool withFakeNvidiaSmi = false)
        {
            var bin = Directory.CreateDirectory(Path.Combine(Folder, "bin")).FullName;
            foreach (var tool in new[] { "mkdir", "mv", "sleep", "cat" })
            {
                var found = new[] { "/usr/bin", "/bin" }.Select(d => Path.Combine(d, tool)).First(File.Exists);
                File.CreateSymbolicLink(Path.Combine(bin, tool), found);
            }

            if (withFakeNvidiaSmi)
            {
                var fake = Path.Combine(bin, "nvidia-smi");
                File.WriteAllText(fake, Aibench.Tests.Monitor.GpuSamplerTests.FakeNvidiaSmi);
                File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            return bin;
        }

        public TaskProcess Start()
        {
            // setsid: the test can end whatever the task left behind by its process group, whatever the outcome.
            var info = new ProcessStartInfo("setsid") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
                WorkingDirectory = Folder };
            foreach (var arg in new[] { "/bin/bash", Path.Combine(Folder, RenderedJob.TaskFile) }) info.ArgumentList.Add(arg);
            info.Environment["SLURM_PROCID"] = "0";
            info.Environment["SLURMD_NODENAME"] = "test-node";
            info.Environment["AIBENCH_ENDPOINT_HOST"] = "127.0.0.1";
            if (_path is not null) info.Environment["PATH"] = _path(this);
            return new TaskProcess(Process.Start(info)!);
        }

        public async Task<string> WaitForFileAsync(string relative, TaskProcess task)
        {
            var file = Path.Combine(Folder, relative);
            var until = DateTime.UtcNow.AddSeconds(30);
            while (!File.Exists(file))
            {
                if (task.Process.HasExited)
                {
                    Assert.Fail($"task.sh exited with {task.Process.ExitCode} before {relative} appeared: {await task.StderrAsync()}");
                }

                Assert.True(DateTime.UtcNow < until, $"{relative} did not appear in 30 s");
                await Task.Delay(100, Ct);
            }

            return file;
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private sealed class TaskProcess(Process process) : IDisposable
    {
        private readonly Task<string> _stderr = process.StandardError.ReadToEndAsync();
        private readonly Task<string> _stdout = process.StandardOutput.ReadToEndAsync();

        public Process Process { get; } = process;

        public Task<string> StderrAsync() => _stderr.WaitAsync(TimeSpan.FromSeconds(10));

        /// <summary>Only the task's own process: what is left of the group is what the script must clean up.</summary>
        public void Kill() => Process.Kill(entireProcessTree: false);

        public void Dispose()
        {
            // The group is the task's session: the sidecars and watchdogs, if a test failed before they ended.
            using var kill = Process.Start("kill", ["-KILL", "--", $"-{Process.Id}"]);
            kill?.WaitForExit();
            _ = _stdout;
            Process.Dispose();
        }
    }
}
