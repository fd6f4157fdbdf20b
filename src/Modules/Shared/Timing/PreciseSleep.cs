using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Aibench.Shared.Timing;

/// <summary>
/// Waits that end within tens of microseconds without burning a core. <c>Thread.Sleep</c> and <c>Task.Delay</c>
/// round to milliseconds and overshoot on Linux; spinning the last millisecond is exact but takes a whole core,
/// which on a 2-core login or CI node starves the very work being timed. usleep with a 1 µs timer slack does both.
/// </summary>
public static partial class PreciseSleep
{
    private const int PrSetTimerSlack = 29;
    private const long SpinUs = 60;

    /// <summary>Asks the kernel to wake this thread within a microsecond of its deadlines (default: 50 µs late).</summary>
    public static void TightenTimerSlack()
    {
        try
        {
            _ = Prctl(PrSetTimerSlack, 1000, 0, 0, 0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not Linux glibc: plain sleeps, slightly later wake-ups.
        }
    }

    /// <summary>Blocks until the Stopwatch timestamp <paramref name="deadline"/>, or until <paramref name="ct"/> is cancelled.</summary>
    public static void Until(long deadline, CancellationToken ct = default)
    {
        while (true)
        {
            var remainingUs = (deadline - Stopwatch.GetTimestamp()) * 1_000_000 / Stopwatch.Frequency;
            if (remainingUs <= 0)
            {
                return;
            }

            ct.ThrowIfCancellationRequested();
            if (remainingUs > SpinUs + 20)
            {
                // At most 50 ms per sleep, so cancellation is noticed quickly.
                // usleep fails only when a signal interrupts it: the loop measures the time left and sleeps again.
                _ = Usleep((uint)Math.Min(50_000, remainingUs - SpinUs));
            }
            else
            {
                Thread.SpinWait(10);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "prctl")]
    private static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport("libc", EntryPoint = "usleep")]
    private static partial int Usleep(uint microseconds);
}
