using Aibench.Contracts.Client;
using Aibench.Shared.Text;

namespace Aibench.Client.LoadGen;

internal enum ApiKind { Completions, Chat }

internal enum Spread { RoundRobin, LeastInFlight }

internal enum ArrivalKind { Constant, Poisson, Gamma }

/// <summary>One step of a run: closed loop at a concurrency, or open loop at a (possibly ramping) rate.</summary>
/// <param name="Concurrency">Closed loop when set.</param>
/// <param name="Rate">Open-loop start rate (req/s).</param>
/// <param name="RateTo">Open-loop end rate for a ramp; equal to <paramref name="Rate"/> otherwise.</param>
/// <param name="Duration">How long requests are sent; null runs until the request cap.</param>
internal sealed record StepPlan(int? Concurrency, double? Rate, double? RateTo, TimeSpan? Duration)
{
    public bool ClosedLoop => Concurrency is not null;

    /// <summary>The rate the step aims for on average; null for closed loop.</summary>
    public double? TargetRate => Rate is { } a ? (a + (RateTo ?? a)) / 2 : null;

    public string Label => Concurrency is { } c ? $"concurrency {c}"
        : RateTo is { } to && to != Rate ? $"ramp {Rate:0.###}→{to:0.###} req/s"
        : $"{Rate:0.###} req/s";
}

/// <summary>A validated <see cref="BenchmarkSpec"/> with its endpoints resolved: what the runner executes.</summary>
internal sealed record LoadPlan(
    IReadOnlyList<Uri> Endpoints,
    Spread Spread,
    string Model,
    ApiKind Api,
    bool Stream,
    IReadOnlyList<StepPlan> Steps,
    ArrivalKind Arrival,
    double Burstiness,
    int? MaxInFlight,
    long? MaxRequests,
    TimeSpan Warmup,
    TimeSpan Timeout,
    TimeSpan? SloTtft,
    TimeSpan? SloTpot,
    TimeSpan? SloE2e,
    int Seed,
    bool IgnoreEos)
{
    /// <summary>The inter-token latency objective (<see cref="SloSpec.Itl"/>).</summary>
    public TimeSpan? SloItl { get; init; }

    /// <summary>Whether any latency objective is given.</summary>
    public bool HasObjectives => SloTtft is not null || SloTpot is not null || SloE2e is not null || SloItl is not null;

    /// <summary>
    /// When each step begins, in microseconds from the run's start; null begins each step when the previous one has
    /// drained. Distributed workers get the same list so that their steps change together.
    /// </summary>
    public IReadOnlyList<long>? StepStartsUs { get; init; }

    /// <summary>
    /// Ask for the cumulative token count in every chunk (vLLM's <c>stream_options.continuous_usage_stats</c>), so a
    /// chunk carrying several tokens is timed per token. Only for servers known to accept it (those with vLLM's
    /// <c>/tokenize</c>): a strict OpenAI-compatible gateway may refuse unknown stream options.
    /// </summary>
    public bool ContinuousUsage { get; init; }

    /// <summary>
    /// The share of measured requests that must meet the objectives when the run stops once that can no longer be
    /// reached (<see cref="SloSpec.StopEarly"/>, with <see cref="MaxRequests"/>); null when it never stops for that.
    /// <see cref="SloStop"/> applies it.
    /// </summary>
    public double? SloStopTarget { get; init; }

    /// <summary>Measured requests after which the run stops, the warm-up's not counted (<see cref="BenchmarkSpec.MeasuredRequests"/>).</summary>
    public long? MeasuredCap { get; init; }

    /// <summary>Keep each request's generated text for the result (<see cref="BenchmarkSpec.KeepTexts"/>); otherwise it is dropped once
    /// counted.</summary>
    public bool KeepTexts { get; init; }

    /// <summary>Builds the plan from a spec the validator accepted.</summary>
    public static LoadPlan From(BenchmarkSpec spec, IReadOnlyList<Uri> endpoints, string model)
    {
        var load = spec.Load ?? new LoadShape(Concurrency: 1);
        TimeSpan? duration = spec.Duration is { } d ? Parse(d) : null;
        IReadOnlyList<StepPlan> steps = load.Kind switch
        {
            "concurrency" => [new StepPlan(load.Concurrency ?? 1, null, null, duration)],
            "rate" => [new StepPlan(null, load.Rate, load.Rate, duration)],
            "ramp" => [new StepPlan(null, load.From, load.To, duration)],
            "sweep" when load.Rates is { Count: > 0 } rates => [.. rates.Select(r => new StepPlan(null, r, r, duration))],
            "sweep" => [.. (load.Concurrencies ?? [1]).Select(c => new StepPlan(c, null, null, duration))],
            _ => throw new ArgumentException($"load.kind '{load.Kind}' is not known", nameof(spec)),
        };
        return new LoadPlan(
            endpoints,
            spec.Spread == "least-in-flight" ? Spread.LeastInFlight : Spread.RoundRobin,
            model,
            spec.Api == "chat" ? ApiKind.Chat : ApiKind.Completions,
            spec.Stream,
            steps,
            load.Arrival switch { "constant" => ArrivalKind.Constant, "gamma" => ArrivalKind.Gamma, _ => ArrivalKind.Poisson },
            load.Burstiness,
            load.MaxInFlight,
            spec.MaxRequests,
            spec.Warmup is { } w ? Parse(w) : TimeSpan.Zero,
            Parse(spec.Timeout),
            spec.Slo?.Ttft is { } ttft ? Parse(ttft) : null,
            spec.Slo?.Tpot is { } tpot ? Parse(tpot) : null,
            spec.Slo?.E2e is { } e2e ? Parse(e2e) : null,
            spec.Seed,
            spec.IgnoreEos)
        {
            SloItl = spec.Slo?.Itl is { } itl ? Parse(itl) : null,
            SloStopTarget = spec.Slo is { StopEarly: true, Target: { } target } && (spec.MaxRequests ?? spec.MeasuredRequests) is not null
                ? target : null,
            MeasuredCap = spec.MeasuredRequests,
            KeepTexts = spec.KeepTexts,
        };
    }

    private static TimeSpan Parse(string text) =>
        Duration.TryParse(text, out var value) ? value : throw new ArgumentException($"'{text}' is not a duration");
}
