using Aibench.Monitor.Cli;
using Aibench.Tests.Infrastructure;

namespace Aibench.Tests.Monitor;

/// <summary>
/// <c>aibench gpu-sampler</c>. There is no GPU here, so nvidia-smi is a script printing what the real one prints
/// for the same query on an A100 node (the one stand-in allowed: no real part can run here).
/// </summary>
public sealed class GpuSamplerTests
{
    /// <summary>
    /// nvidia-smi --query-gpu=… --format=csv,noheader,nounits on two A100s, the second idle with no power reading.
    /// It refuses any other query, and fails like a driver that is gone while "$0.fail" exists.
    /// </summary>
    public const string FakeNvidiaSmi = """
        #!/bin/sh
        q=index,uuid,name,utilization.gpu,utilization.memory,memory.used,memory.total,power.draw,temperature.gpu
        if [ "$1" != "--query-gpu=$q" ] || [ "$2" != "--format=csv,noheader,nounits" ]; then
          echo "unexpected arguments: $*" >&2
          exit 2
        fi
        if [ -e "$0.fail" ]; then
          echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver." \
            "Make sure that the latest NVIDIA driver is installed and running." >&2
          exit 9
        fi
        echo "0, GPU-5e1d2b1c-0000-4c1e-9d2a-0a0b0c0d0e01, NVIDIA A100-SXM4-40GB, 87, 45, 30512, 40960, 312.45, 61"
        echo "1, GPU-5e1d2b1c-0000-4c1e-9d2a-0a0b0c0d0e02, NVIDIA A100-SXM4-40GB, 0, 0, 4, 40960, [N/A], 34"

        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Each_gpu_line_is_read_and_not_available_values_are_null()
    {
        var (gpus, errors) = GpuMetrics.Parse("""
            0, GPU-aaaa, NVIDIA A100-SXM4-40GB, 87, 45, 30512, 40960, 312.45, 61
            1, GPU-bbbb, NVIDIA A100-SXM4-40GB, [N/A], 0, 4, 40960, [Not Supported], 34
            """);

        Assert.Equal(0, errors);
        Assert.Equal(2, gpus.Count);
        Assert.Equal(new GpuSample(0, "GPU-aaaa", "NVIDIA A100-SXM4-40GB", 87, 45, 30512, 40960, 312.45, 61), gpus[0]);
        Assert.Null(gpus[1].GpuUtil);
        Assert.Null(gpus[1].PowerWatts);
        Assert.Equal(34, gpus[1].TemperatureC);
    }

    [Theory]
    [InlineData("No devices were found")]
    [InlineData("0, GPU-aaaa, NVIDIA A100-SXM4-40GB, 87")]
    [InlineData("x, GPU-aaaa, NVIDIA A100-SXM4-40GB, 87, 45, 30512, 40960, 312.45, 61")]
    public void A_line_that_is_not_one_gpu_counts_as_an_error(string line)
    {
        var (gpus, errors) = GpuMetrics.Parse(line + "\n1, GPU-bbbb, NVIDIA H100 80GB HBM3, 1, 2, 3, 81559, 70.1, 30\n");
        Assert.Equal(1, errors);
        Assert.Equal(1, Assert.Single(gpus).Index);
    }

    [Fact]
    public void Metrics_have_dcgm_names_units_and_labels_and_leave_out_what_a_gpu_does_not_report()
    {
        var (gpus, _) = GpuMetrics.Parse("""
            0, GPU-aaaa, NVIDIA A100-SXM4-40GB, 87, 45, 30512, 40960, 312.45, 61
            1, GPU-bbbb, Weird "GPU" \ name, 0, 0, 4, 40960, [N/A], 34
            """);
        var text = GpuMetrics.Render(gpus, "mel2074", 3);

        Assert.Contains("# TYPE DCGM_FI_DEV_GPU_UTIL gauge\n", text);
        Assert.Contains("DCGM_FI_DEV_GPU_UTIL{gpu=\"0\",UUID=\"GPU-aaaa\",device=\"nvidia0\",modelName=\"NVIDIA "
            + "A100-SXM4-40GB\",Hostname=\"mel2074\"} 87\n", text);
        Assert.Contains("DCGM_FI_DEV_MEM_COPY_UTIL{gpu=\"0\",", text);
        Assert.Contains("DCGM_FI_DEV_FB_USED{gpu=\"0\",UUID=\"GPU-aaaa\",device=\"nvidia0\",modelName=\"NVIDIA "
            + "A100-SXM4-40GB\",Hostname=\"mel2074\"} 30512\n", text);
        Assert.Contains("DCGM_FI_DEV_FB_FREE{gpu=\"0\",UUID=\"GPU-aaaa\",device=\"nvidia0\",modelName=\"NVIDIA "
            + "A100-SXM4-40GB\",Hostname=\"mel2074\"} 10448\n", text);
        Assert.Contains("DCGM_FI_DEV_POWER_USAGE{gpu=\"0\",UUID=\"GPU-aaaa\",device=\"nvidia0\",modelName=\"NVIDIA "
            + "A100-SXM4-40GB\",Hostname=\"mel2074\"} 312.45\n", text);
        Assert.DoesNotContain("DCGM_FI_DEV_POWER_USAGE{gpu=\"1\"", text);
        Assert.Contains("DCGM_FI_DEV_GPU_TEMP{gpu=\"1\",UUID=\"GPU-bbbb\",device=\"nvidia1\",modelName=\"Weird \\\"GPU\\\" "
            + "\\\\ name\",Hostname=\"mel2074\"} 34\n", text);
        Assert.Contains("# TYPE aibench_gpu_sampler_errors_total counter\naibench_gpu_sampler_errors_total 3\n", text);
    }

    [Fact]
    public async Task It_serves_the_fake_nvidia_smi_on_metrics_and_counts_failures_leaving_the_gpus_out()
    {
        var folder = Directory.CreateTempSubdirectory("aibench-test-gpu-").FullName;
        try
        {
            var fake = Path.Combine(folder, "nvidia-smi");
            await File.WriteAllTextAsync(fake, FakeNvidiaSmi, Ct);
            File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var port = AibenchProcess.FreePort();
            await using var sampler = AibenchProcess.Start(folder, "gpu-sampler", "--port",
                port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--interval", "200ms", "--nvidia-smi", fake);

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var url = $"http://127.0.0.1:{port}/metrics";
            var metrics = await PollAsync(http, url, m => m.Contains("DCGM_FI_DEV_GPU_UTIL", StringComparison.Ordinal), sampler);
            Assert.Contains("DCGM_FI_DEV_GPU_UTIL{gpu=\"0\",UUID=\"GPU-5e1d2b1c-0000-4c1e-9d2a-0a0b0c0d0e01\",device=\"nvidia0\","
                + $"modelName=\"NVIDIA A100-SXM4-40GB\",Hostname=\"{Environment.MachineName}\"}} 87\n", metrics);
            Assert.Contains("DCGM_FI_DEV_POWER_USAGE{gpu=\"0\"", metrics);
            Assert.DoesNotContain("DCGM_FI_DEV_POWER_USAGE{gpu=\"1\"", metrics);
            Assert.Contains("aibench_gpu_sampler_errors_total 0\n", metrics);
            Assert.Contains("listening on", sampler.Stdout);

            // The driver goes away: no stale readings, the failures counted, the reason on stderr.
            await File.WriteAllTextAsync(fake + ".fail", "", Ct);
            metrics = await PollAsync(http, url, m => !m.Contains("DCGM_", StringComparison.Ordinal), sampler);
            Assert.DoesNotContain("aibench_gpu_sampler_errors_total 0\n", metrics);
            Assert.Contains("couldn't communicate with the NVIDIA driver", sampler.Stderr);

            File.Delete(fake + ".fail");
            await PollAsync(http, url, m => m.Contains("DCGM_FI_DEV_GPU_TEMP{gpu=\"1\"", StringComparison.Ordinal), sampler);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("--interval", "soon")]
    [InlineData("--port", "70000")]
    public async Task A_bad_option_is_a_usage_error_naming_it(string option, string value)
    {
        var folder = Directory.CreateTempSubdirectory("aibench-test-gpu-").FullName;
        try
        {
            var args = new List<string> { "gpu-sampler", option, value };
            if (option != "--port") args.AddRange(["--port", "9400"]);
            await using var sampler = AibenchProcess.Start(folder, [.. args]);
            Assert.Equal(2, await sampler.ExitCodeAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains(option, sampler.Stderr);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<string> PollAsync(HttpClient http, string url, Func<string, bool> done, AibenchProcess process)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        var last = "";
        while (DateTime.UtcNow < until)
        {
            try
            {
                last = await http.GetStringAsync(url, Ct);
                if (done(last)) return last;
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100, Ct);
        }

        Assert.Fail($"{url} never showed what was expected; last answer:\n{last}\nstderr:\n{process.Stderr}");
        return last;
    }
}
