using System.Globalization;

namespace Aibench.Client.LoadGen;

/// <summary>
/// Decides whether the client, not the service, limited a run, from the run's own figures and its envelope. The rules
/// and their thresholds are in docs/metrics.md ("Client envelope and client-limited runs"); each that fires gives one
/// reason. A run is client-limited when any of them fires:
/// <list type="number">
/// <item>Rate: an open-loop step's achieved ÷ target rate is below 0.95, by more than Poisson noise (target × send
/// window − sent &gt; 3 √(target × send window)), and the envelope's achieved ÷ target is below 0.95 too: the client
/// cannot send that fast even when the server answers at once.</item>
/// <item>Lag: a step's schedule-lag p50 is above 5 ms and the envelope's is above 2.5 ms: the median request left the
/// client late, and late against a server that answers at once too, so the client is persistently behind. The median,
/// not p99: on a shared machine single requests are late whenever the dispatcher thread is not scheduled, and such
/// spikes (shown in the envelope's lag p99) are jitter, not a bottleneck.</item>
/// <item>CPU: the client process used ≥ 90 % of its cores over the run.</item>
/// </list>
/// </summary>
internal static class ClientLimits
{
    public const double RateRatio = 0.95;
    public const double LagLimitMs = 5;
    public const double EnvelopeLagMs = 2.5;
    public const double CpuLimit = 0.90;

    private static readonly CultureInfo I = CultureInfo.InvariantCulture;

    public static IReadOnlyList<string> Reasons(RunSummary summary, ClientEnvelope? envelope, double? cpuFraction)
    {
        var reasons = new List<string>();
        var measured = envelope is { IsMeasured: true };
        foreach (var step in summary.Steps)
        {
            var label = summary.Steps.Count > 1 ? $"step {step.Label}: " : "";
            if (measured && envelope!.AchievedRatio is { } envelopeRatio && envelopeRatio < RateRatio
                && step is { TargetRate: { } target and > 0, AchievedRate: { } achieved and > 0 } && achieved / target < RateRatio)
            {
                var window = step.Sent / achieved;
                var expected = target * window;
                if (expected - step.Sent > 3 * Math.Sqrt(expected))
                {
                    reasons.Add(string.Create(I,
                        $"{label}achieved {achieved / target:0.###} of the target rate ({achieved:0.##} of {target:0.##} req/s), and the client "
                            + $"reached only {envelopeRatio:0.###} of it against a zero-latency server"));
                }
            }

            if (measured && envelope!.ScheduleLagP50Ms is { } envelopeLag && envelopeLag > EnvelopeLagMs
                && step.ScheduleLagMs is { P50: > LagLimitMs } lag)
            {
                reasons.Add(string.Create(I,
                    $"{label}schedule lag p50 {lag.P50:0.###} ms (> {LagLimitMs} ms), and {envelopeLag:0.###} ms against a zero-latency server: the "
                        + $"client is persistently behind on its own"));
            }
        }

        if (cpuFraction is { } cpu && cpu >= CpuLimit)
        {
            reasons.Add(string.Create(I, $"the client process used {cpu * 100:0} % of its {Environment.ProcessorCount} cores (≥ "
                + $"{CpuLimit * 100:0} %)"));
        }

        return reasons;
    }

    /// <summary>The summary with the envelope, the warm-up, the client's CPU and the verdict.</summary>
    public static RunSummary Apply(RunSummary summary, ClientEnvelope? envelope, ClientWarmup? warmup, double? cpuFraction)
    {
        var reasons = Reasons(summary, envelope, cpuFraction);
        return summary with
        {
            Envelope = envelope,
            ClientWarmup = warmup,
            ClientCpu = cpuFraction,
            ClientLimited = reasons.Count > 0,
            ClientLimitReasons = reasons.Count > 0 ? reasons : null,
        };
    }

    /// <summary>A distributed run: client-limited when any worker was, each reason naming its worker.</summary>
    public static RunSummary Merge(RunSummary summary, IReadOnlyList<Distributed.WorkerResult> workers)
    {
        var reasons = workers.Where(w => w.ClientLimitReasons is not null)
            .SelectMany(w => w.ClientLimitReasons!.Select(r => $"worker {w.Worker}{(w.Node is null ? "" : " on " + w.Node)}: {r}")).ToList();
        return summary with { ClientLimited = reasons.Count > 0, ClientLimitReasons = reasons.Count > 0 ? reasons : null };
    }
}
