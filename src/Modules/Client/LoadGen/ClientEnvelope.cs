namespace Aibench.Client.LoadGen;

/// <summary>
/// What the client alone achieves on this machine with the run's load shape: the same runner, arrival process, rate or
/// concurrency, API and prompts against a zero-latency streaming endpoint (<c>aibench sim --ttft 0ms --itl 0ms</c> in a
/// child process on the same node). Every latency the real run reports contains at least these floors.
/// </summary>
/// <param name="Status"><c>measured</c>, <c>off</c> (not asked for), <c>unavailable</c> (no aibench binary to start the endpoint), <c>skipped</c> (no
/// time, e.g. before a worker's shared start) or <c>failed</c>.</param>
/// <param name="Reason">Why it is not <c>measured</c>, in words.</param>
/// <param name="Shape">The step calibrated: the heaviest of the run (highest rate or concurrency).</param>
/// <param name="ConfiguredSeconds">The calibration's load duration.</param>
/// <param name="DurationSeconds">Wall time the calibration added to the run: child start, load, child stop.</param>
/// <param name="TargetRate">Open loop: the rate asked for (req/s).</param>
/// <param name="AchievedRate">Open loop: measured requests sent / send window (as for a step).</param>
/// <param name="AchievedRatio">Open loop: achieved ÷ target.</param>
/// <param name="RequestThroughput">Completed requests per second (the closed loop's figure).</param>
/// <param name="CpuFraction">Process CPU time / wall time / cores during the calibration's load (1 = every core busy).</param>
/// <param name="Cores">Cores this process may use (<c>Environment.ProcessorCount</c>).</param>
public sealed record ClientEnvelope(
    string Status,
    string? Reason = null,
    string? Shape = null,
    double? ConfiguredSeconds = null,
    double? DurationSeconds = null,
    double? TargetRate = null,
    double? AchievedRate = null,
    double? AchievedRatio = null,
    double? RequestThroughput = null,
    double? ScheduleLagP50Ms = null,
    double? ScheduleLagP99Ms = null,
    double? TtftP50Ms = null,
    double? TtftP99Ms = null,
    double? ItlP50Ms = null,
    double? ItlP99Ms = null,
    double? E2eP50Ms = null,
    double? E2eP99Ms = null,
    double? CpuFraction = null,
    int Cores = 0,
    long Requests = 0,
    long Errors = 0)
{
    public const string Measured = "measured";

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsMeasured => Status == Measured;

    public static ClientEnvelope Off() => new("off", "calibration is off for this run", Cores: Environment.ProcessorCount);

    public static ClientEnvelope Not(string status, string reason) => new(status, reason, Cores: Environment.ProcessorCount);
}

/// <summary>What was done to warm the client before the clock started; nothing of it is in any statistic.</summary>
/// <param name="Requests">Uncounted short requests sent (max_tokens 2), spread over the endpoints.</param>
/// <param name="Connections">Connections opened: the requests were sent all at once, so each needed its own.</param>
/// <param name="Endpoints">Endpoints warmed.</param>
/// <param name="Failed">Warm-up requests that failed (the run goes on; its own requests will show the problem).</param>
/// <param name="DurationSeconds">Wall time of the warm-up.</param>
/// <param name="Calibrated">Whether the calibration ran first, which also compiled the load path of this shape.</param>
public sealed record ClientWarmup(long Requests, int Connections, int Endpoints, long Failed, double DurationSeconds, bool Calibrated);
