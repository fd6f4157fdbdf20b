using Aibench.Contracts.Client;
using Aibench.Shared.References;
using HdrHistogram;

namespace Aibench.Client.LoadGen;

/// <summary>Distribution of one metric. Latencies in milliseconds; counts as they are.</summary>
public sealed record Stats(long Count, double Mean, double Stddev, double Min, double Max, double P50, double P90, double P95, double P99,
    double P999);

/// <summary>Token totals of the measured requests, with the server's and the client's counts side by side.</summary>
/// <param name="Input">Input tokens counted (server usage where sent, client count otherwise).</param>
/// <param name="Output">Output tokens counted the same way.</param>
/// <param name="RequestsWithUsage">Completed requests whose answer carried <c>usage</c>.</param>
/// <param name="ServerInput">Sum of the server's prompt_tokens over those requests.</param>
/// <param name="ClientInput">Sum of the client's count for the same requests.</param>
/// <param name="ServerOutput">Sum of the server's completion_tokens over those requests.</param>
/// <param name="ClientOutput">Sum of the client's count of the generated text for the same requests.</param>
/// <param name="InputMismatchPercent">(client − server) / server × 100 over those requests.</param>
/// <param name="OutputMismatchPercent">Likewise for output.</param>
public sealed record TokenTotals(
    long Input,
    long Output,
    long RequestsWithUsage,
    long ServerInput,
    long ClientInput,
    long ServerOutput,
    long ClientOutput,
    double? InputMismatchPercent,
    double? OutputMismatchPercent);

/// <summary>The results of one step (or of the whole run).</summary>
public sealed record StepResult(
    int Index,
    string Label,
    int? Concurrency,
    double? TargetRate,
    double? AchievedRate,
    double DurationSeconds,
    long Sent,
    long Completed,
    long Failed,
    long Warmup,
    long Cancelled,
    double RequestThroughput,
    double InputTokenThroughput,
    double OutputTokenThroughput,
    double TotalTokenThroughput,
    double PeakOutputTokensPerSecond,
    double? Goodput,
    double? GoodputFraction,
    Stats? TtftMs,
    Stats? TpotMs,
    Stats? ItlMs,
    Stats? E2eMs,
    Stats? ScheduleLagMs,
    Stats? TokensPerChunk,
    TokenTotals Tokens,
    IReadOnlyDictionary<string, long> Errors,
    double MeanConcurrency,
    long MaxConcurrency,
    double PeakInputTokensPerSecond = 0)
{
    /// <summary>Share of the measured requests that met each objective on its own (<c>ttft</c>, <c>tpot</c>, <c>e2e</c>); null without
    /// objectives.</summary>
    public IReadOnlyDictionary<string, double>? ObjectiveAttainment { get; init; }

    /// <summary>The headline numbers other modules read (<see cref="GetBenchmarkResult"/>) and references are checked on.</summary>
    public BenchmarkStepResult ToContract() => new(
        Label, Concurrency, TargetRate, AchievedRate, DurationSeconds, Completed, Failed, RequestThroughput, OutputTokenThroughput, TtftMs?.P50,
        TtftMs?.P99, TpotMs?.P50, E2eMs?.P50, E2eMs?.P99, GoodputFraction, TtftMs?.Mean, TtftMs?.P90, E2eMs?.Mean, E2eMs?.P90, ObjectiveAttainment,
        TpotMs?.P99, ItlMs?.P50, ItlMs?.P99);
}

/// <summary>One second of a run, for charts.</summary>
public sealed record SecondPoint(
    long T,
    long Sent,
    long Completed,
    long Errors,
    long InputTokens,
    long OutputTokens,
    long InFlightMax,
    double? TtftMeanMs,
    double? E2eMeanMs);

/// <summary>What a run produced, as stored and exported.</summary>
public sealed record RunSummary(
    string StopReason,
    bool Partial,
    DateTimeOffset StartedAt,
    double WallSeconds,
    StepResult Overall,
    IReadOnlyList<StepResult> Steps,
    IReadOnlyDictionary<string, string> ErrorSamples,
    string TokenCounter)
{
    /// <summary>Per-worker numbers of a distributed run (placement slurm); null for an in-process run.</summary>
    public IReadOnlyList<Distributed.WorkerResult>? Workers { get; init; }

    /// <summary>The batch job of a distributed run's workers.</summary>
    public string? WorkerJobId { get; init; }

    /// <summary>Why the tokenizer in <see cref="TokenCounter"/> was chosen over the ones before it, when it was not the first choice.</summary>
    public string? TokenizerNote { get; init; }

    /// <summary>
    /// The same requests' numbers under vLLM bench's and GuideLLM's definitions (<see cref="PeerDefinitions"/>); null for
    /// runs stored before aibench computed them. The result document shows it at its top level as <c>asDefinedBy</c>.
    /// </summary>
    public System.Text.Json.Nodes.JsonObject? AsDefinedBy { get; init; }

    /// <summary>The client envelope measured before the load (null for runs made before it existed).</summary>
    public ClientEnvelope? Envelope { get; init; }

    /// <summary>What warmed the client before the clock started.</summary>
    public ClientWarmup? ClientWarmup { get; init; }

    /// <summary>The client process's CPU use over the measured load: CPU time / wall / cores.</summary>
    public double? ClientCpu { get; init; }

    /// <summary>The client, not the service, limited this run (any worker's, for a distributed run); see the reasons.</summary>
    public bool ClientLimited { get; init; }

    /// <summary>Which rule said so, with the figures (docs/metrics.md).</summary>
    public IReadOnlyList<string>? ClientLimitReasons { get; init; }

    /// <summary>The run checked against the spec's references; null when it gave none.</summary>
    public ReferenceVerdict? References { get; init; }

    /// <summary>The summary with its references checked (unchanged when the spec gave none).</summary>
    public RunSummary Checked(BenchmarkSpec spec) => spec.References is { Count: > 0 } references
        ? this with { References = ReferenceJudge.Judge(references, ReferenceJudge.FiguresOf(Overall.ToContract())) }
        : this;

    /// <summary>How every number is computed; the same text is in docs/metrics.md.</summary>
    public IReadOnlyDictionary<string, string> Definitions { get; } = MetricDefinitions.All;
}
