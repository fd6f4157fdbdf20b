using Aibench.Contracts.Client;
using Aibench.Shared.Text;

namespace Aibench.Experiments.Planning;

/// <summary>Advanced load options of an experiment; each one given replaces the test type's preset.</summary>
/// <param name="Concurrency">Requests in flight (throughput).</param>
/// <param name="Rate">Requests per second (latency, soak).</param>
/// <param name="From">Start rate of the ramp (stress).</param>
/// <param name="To">End rate of the ramp (stress).</param>
/// <param name="Rates">Request rates, one step each (sweep).</param>
/// <param name="Concurrencies">Concurrency levels, one step each (sweep).</param>
/// <param name="Arrival">Inter-arrival times of open-loop tests: <c>constant</c>, <c>poisson</c> or <c>gamma</c>.</param>
/// <param name="Burstiness">Shape of <c>gamma</c> arrivals.</param>
/// <param name="MaxInFlight">Cap on requests in flight for open-loop tests.</param>
/// <param name="Dataset">Prompts, e.g. <c>random:input=512,output=128</c>.</param>
/// <param name="Api"><c>completions</c> or <c>chat</c>.</param>
/// <param name="Stream">Stream tokens (needed for TTFT and TPOT).</param>
/// <param name="Model">Model name sent; asked from the service when empty.</param>
/// <param name="Timeout">A request slower than this counts as a timeout error.</param>
/// <param name="Seed">Seed of prompts and arrivals.</param>
/// <param name="Placement">Where the load comes from: in-process (default) or SLURM workers (see BenchmarkSpec.Placement).</param>
public sealed record ExperimentLoad(
    int? Concurrency = null,
    double? Rate = null,
    double? From = null,
    double? To = null,
    IReadOnlyList<double>? Rates = null,
    IReadOnlyList<int>? Concurrencies = null,
    string? Arrival = null,
    double? Burstiness = null,
    int? MaxInFlight = null,
    string? Dataset = null,
    string? Api = null,
    bool? Stream = null,
    string? Model = null,
    string? Timeout = null,
    int? Seed = null,
    PlacementSpec? Placement = null);

/// <summary>Service-level objectives of an experiment and how strictly they are judged.</summary>
/// <param name="Ttft">Time to first token, e.g. <c>500ms</c>.</param>
/// <param name="Tpot">Time per output token.</param>
/// <param name="E2e">End-to-end latency.</param>
/// <param name="Target">Share of requests that must meet every objective to pass (default 0.9).</param>
/// <param name="MaxErrorRate">Share of failed requests above which the test fails, and a stress ramp counts as broken (default 0.05).</param>
public sealed record ExperimentSlo(string? Ttft = null, string? Tpot = null, string? E2e = null, double? Target = null, double? MaxErrorRate = null)
{
    public const double DefaultTarget = 0.9;
    public const double DefaultMaxErrorRate = 0.05;

    public bool HasLatency => Ttft is not null || Tpot is not null || E2e is not null;

    internal SloSpec? ToSpec() => HasLatency ? new SloSpec(Ttft, Tpot, E2e) : null;
}

/// <summary>The test types, their presets and how an experiment becomes a <see cref="BenchmarkSpec"/>.</summary>
internal static class TestTypes
{
    public const string Throughput = "throughput";
    public const string Latency = "latency";
    public const string Stress = "stress";
    public const string Soak = "soak";
    public const string Sweep = "sweep";

    public static readonly string[] All = [Throughput, Latency, Stress, Soak, Sweep];

    /// <summary>The load options each type reads; any other one given is an error rather than silently ignored.</summary>
    public static IReadOnlyList<string> ShapeFields(string type) => type switch
    {
        Throughput => ["concurrency"],
        Latency or Soak => ["rate", "arrival", "burstiness", "maxInFlight"],
        Stress => ["from", "to", "arrival", "burstiness", "maxInFlight"],
        _ => ["rates", "concurrencies", "arrival", "burstiness", "maxInFlight"],
    };

    public static TimeSpan DefaultDuration(string type) => type switch
    {
        Soak => TimeSpan.FromHours(1),
        Sweep => TimeSpan.FromMinutes(10),
        _ => TimeSpan.FromMinutes(5),
    };

    /// <summary>A stress test needs an objective to break; this one when none is given.</summary>
    public static readonly ExperimentSlo StressSlo = new(Ttft: "2s");

    public static readonly int[] SweepConcurrenciesPerReplica = [1, 4, 16, 64];

    /// <summary>
    /// The load shape of a test type with its presets (scaled by the replicas that share the load), then every option
    /// the user gave in its place.
    /// </summary>
    public static LoadShape Shape(string type, ExperimentLoad? load, int replicas)
    {
        load ??= new ExperimentLoad();
        var arrival = load.Arrival ?? "poisson";
        var burstiness = load.Burstiness ?? 1.0;
        return type switch
        {
            Throughput => new LoadShape("concurrency", Concurrency: load.Concurrency ?? 64 * replicas),
            Latency => new LoadShape("rate", Rate: load.Rate ?? 1, Arrival: arrival, Burstiness: burstiness, MaxInFlight: load.MaxInFlight),
            Stress => new LoadShape("ramp", From: load.From ?? 1, To: load.To ?? 20 * replicas, Arrival: arrival, Burstiness: burstiness,
                MaxInFlight: load.MaxInFlight ?? 256 * replicas),
            Soak => new LoadShape("rate", Rate: load.Rate ?? 2 * replicas, Arrival: arrival, Burstiness: burstiness, MaxInFlight: load.MaxInFlight),
            _ when load.Rates is { Count: > 0 } rates => new LoadShape("sweep", Rates: rates, Arrival: arrival, Burstiness: burstiness, MaxInFlight: load.MaxInFlight),
            _ => new LoadShape("sweep", Concurrencies: load.Concurrencies ?? [.. SweepConcurrenciesPerReplica.Select(c => c * replicas)]),
        };
    }

    public static int Steps(LoadShape shape) => shape.Kind == "sweep" ? Math.Max(1, shape.Rates?.Count ?? shape.Concurrencies?.Count ?? 1) : 1;

    /// <summary>The main load run. A sweep's total duration is shared among its steps.</summary>
    public static BenchmarkSpec Spec(string name, string type, ExperimentLoad? load, ExperimentSlo slo, int replicas, TimeSpan duration)
    {
        var shape = Shape(type, load, replicas);
        var step = TimeSpan.FromSeconds(Math.Max(1, Math.Floor(duration.TotalSeconds / Steps(shape))));
        var defaults = new BenchmarkSpec();
        return new BenchmarkSpec(
            Name: name,
            Model: load?.Model,
            Api: load?.Api ?? defaults.Api,
            Stream: load?.Stream ?? defaults.Stream,
            Load: shape,
            Duration: Seconds(step),
            Dataset: load?.Dataset ?? defaults.Dataset,
            Slo: slo.ToSpec(),
            Seed: load?.Seed ?? defaults.Seed,
            Timeout: load?.Timeout ?? defaults.Timeout,
            Placement: load?.Placement);
    }

    /// <summary>A short closed-loop run before the measured one, so that caches, compiled graphs and connections are warm.</summary>
    public static BenchmarkSpec Warmup(BenchmarkSpec main, int replicas, TimeSpan warmup) =>
        main with
        {
            Name = $"{main.Name} · warm-up",
            Load = new LoadShape("concurrency", Concurrency: 4 * replicas),
            Duration = Seconds(warmup),
            Slo = null,
            // Warming up is short and light: from this host, whatever the measured run's placement.
            Placement = null,
        };

    /// <summary>Seconds of load in all: one duration per step.</summary>
    public static double LoadSeconds(BenchmarkSpec spec) =>
        (Duration.TryParse(spec.Duration, out var step) ? step.TotalSeconds : 0) * Steps(spec.Load ?? new LoadShape());

    private static string Seconds(TimeSpan value) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{(long)value.TotalSeconds}s");
}
