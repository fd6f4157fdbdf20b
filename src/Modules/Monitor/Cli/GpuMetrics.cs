using System.Globalization;
using System.Text;

namespace Aibench.Monitor.Cli;

/// <summary>One GPU as nvidia-smi reported it; a value the GPU does not report ([N/A], [Not Supported]) is null.</summary>
internal sealed record GpuSample(
    int Index,
    string Uuid,
    string Name,
    double? GpuUtil,
    double? MemoryUtil,
    double? MemoryUsedMiB,
    double? MemoryTotalMiB,
    double? PowerWatts,
    double? TemperatureC);

/// <summary>
/// nvidia-smi's CSV in, Prometheus text out, under the names and labels of NVIDIA's DCGM exporter: dashboards built
/// for a site with DCGM work unchanged on nodes that only have the driver.
/// </summary>
internal static class GpuMetrics
{
    /// <summary>The fields, in the order <see cref="Parse"/> expects them.</summary>
    public const string Query = "index,uuid,name,utilization.gpu,utilization.memory,memory.used,memory.total,power.draw,temperature.gpu";

    public static readonly string[] Arguments = [$"--query-gpu={Query}", "--format=csv,noheader,nounits"];

    private const int Fields = 9;

    /// <summary>Parses the lines of one run; a line that is not one GPU's fields counts as an error and is skipped.</summary>
    public static (IReadOnlyList<GpuSample> Gpus, int Errors) Parse(string csv)
    {
        var gpus = new List<GpuSample>();
        var errors = 0;
        foreach (var line in csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Model names have no commas ("NVIDIA A100-SXM4-80GB", "Tesla V100-PCIE-16GB"), so a plain split holds.
            var f = line.Split(',', StringSplitOptions.TrimEntries);
            if (f.Length != Fields || !int.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out var index) || f[1].Length == 0)
            {
                errors++;
                continue;
            }

            gpus.Add(new GpuSample(index, f[1], f[2], Number(f[3]), Number(f[4]), Number(f[5]), Number(f[6]), Number(f[7]), Number(f[8])));
        }

        return (gpus, errors);
    }

    private static double? Number(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) ? value : null;

    private static readonly (string Name, string Help, Func<GpuSample, double?> Value)[] Metrics =
    [
        ("DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %).", g => g.GpuUtil),
        ("DCGM_FI_DEV_MEM_COPY_UTIL", "Memory utilization (in %).", g => g.MemoryUtil),
        ("DCGM_FI_DEV_FB_USED", "Framebuffer memory used (in MiB).", g => g.MemoryUsedMiB),
        ("DCGM_FI_DEV_FB_FREE", "Framebuffer memory free (in MiB).", g => g.MemoryTotalMiB - g.MemoryUsedMiB),
        ("DCGM_FI_DEV_POWER_USAGE", "Power draw (in W).", g => g.PowerWatts),
        ("DCGM_FI_DEV_GPU_TEMP", "GPU temperature (in C).", g => g.TemperatureC),
    ];

    public const string ErrorsMetric = "aibench_gpu_sampler_errors_total";

    public static string Render(IReadOnlyList<GpuSample> gpus, string hostname, long errors)
    {
        var text = new StringBuilder();
        foreach (var (name, help, value) in Metrics)
        {
            var lines = gpus.Select(g => (Gpu: g, Value: value(g))).Where(x => x.Value is not null).ToList();
            // A metric no GPU reports is left out entirely rather than shown as 0.
            if (lines.Count == 0) continue;
            text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            text.Append("# TYPE ").Append(name).Append(" gauge\n");
            foreach (var (gpu, v) in lines)
            {
                text.Append(name)
                    .Append(CultureInfo.InvariantCulture,
                        $"{{gpu=\"{gpu.Index}\",UUID=\"{Escape(gpu.Uuid)}\",device=\"nvidia{gpu.Index}\","
                        + $"modelName=\"{Escape(gpu.Name)}\",Hostname=\"{Escape(hostname)}\"}} ")
                    .Append(v!.Value.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }

        text.Append("# HELP ").Append(ErrorsMetric).Append(" Runs of nvidia-smi that failed or printed a line that could not be read.\n");
        text.Append("# TYPE ").Append(ErrorsMetric).Append(" counter\n");
        text.Append(ErrorsMetric).Append(' ').Append(errors.ToString(CultureInfo.InvariantCulture)).Append('\n');
        return text.ToString();
    }

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n",
            StringComparison.Ordinal);
}
