using System.Diagnostics;
using Aibench.Client.LoadGen.Datasets;

namespace Aibench.Client.LoadGen;

/// <summary>
/// Warms the client before the clock starts: short requests (max_tokens 2) sent all at once to every endpoint, so
/// that the connections the run will need are open and the load path has run at least once. Without it the first
/// second of a run carries connection set-up and JIT compilation, and its TTFT p99 is several times the rest's.
/// Goes through the <see cref="LoadRunner"/> itself, on the run's own HttpClient, so that exactly the code and the
/// connection pool the run uses are the ones warmed.
/// </summary>
internal static class ClientWarmupRunner
{
    /// <summary>Open loop: requests expected in flight at the peak rate if the answers took this long.</summary>
    private static readonly TimeSpan AssumedLatency = TimeSpan.FromMilliseconds(250);

    public const int MaxConnectionsPerEndpoint = 32;

    /// <summary>
    /// Connections to open per endpoint: the run's concurrency (closed loop) or peak rate × 250 ms (open loop), capped
    /// by the in-flight cap, divided over the endpoints, between 1 and 32 (more would load a real server for nothing).
    /// </summary>
    public static int ConnectionsPerEndpoint(LoadPlan plan)
    {
        var closed = plan.Steps.Where(s => s.ClosedLoop).Select(s => (double)s.Concurrency!.Value).DefaultIfEmpty(0).Max();
        var rate = plan.Steps.Select(s => Math.Max(s.Rate ?? 0, s.RateTo ?? 0)).DefaultIfEmpty(0).Max();
        var expected = Math.Max(closed, rate * AssumedLatency.TotalSeconds);
        if (plan.MaxInFlight is { } cap)
        {
            expected = Math.Min(expected, cap);
        }

        return (int)Math.Clamp(Math.Ceiling(expected / plan.Endpoints.Count), 1, MaxConnectionsPerEndpoint);
    }

    public static async Task<ClientWarmup> RunAsync(LoadPlan plan, HttpClient http, bool calibrated, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var total = ConnectionsPerEndpoint(plan) * plan.Endpoints.Count;
        var warm = plan with
        {
            // Never stopped for the measured run's objectives: these requests are not measured against them.
            SloStopTarget = null,
            Spread = Spread.RoundRobin,
            Steps = [new StepPlan(total, null, null, null)],
            MaxRequests = total,
            MeasuredCap = null,
            Warmup = TimeSpan.Zero,
            StepStartsUs = null,
            Timeout = plan.Timeout < TimeSpan.FromSeconds(30) ? plan.Timeout : TimeSpan.FromSeconds(30),
            SloTtft = null,
            SloTpot = null,
            SloE2e = null,
            SloItl = null,
        };
        var prompts = new PromptSet([new PromptItem("Hello", null, 1, 2)], "warm-up");
        using var runner = new LoadRunner(warm, prompts, http);
        var outcome = await runner.RunAsync(prompts.Description, null, ct);
        ct.ThrowIfCancellationRequested();
        return new ClientWarmup(outcome.Records.Count, total, plan.Endpoints.Count, outcome.Records.Count(r => !r.Ok),
            Math.Round(watch.Elapsed.TotalSeconds, 3), calibrated);
    }
}
