using System.Diagnostics;

namespace Aibench.Client.LoadGen;

/// <summary>
/// This process's CPU use over an interval: CPU time / wall time / cores, so 1 means every core the process may use
/// was busy. For the in-process host it includes the web host's own work.
/// </summary>
internal sealed class ClientCpu
{
    private readonly TimeSpan _cpu = Environment.CpuUsage.TotalTime;
    private readonly long _start = Stopwatch.GetTimestamp();

    public static ClientCpu Start() => new();

    public double Fraction()
    {
        var wall = Stopwatch.GetElapsedTime(_start);
        var cpu = Environment.CpuUsage.TotalTime - _cpu;
        return wall <= TimeSpan.Zero ? 0 : Math.Round(cpu / wall / Environment.ProcessorCount, 4);
    }
}
