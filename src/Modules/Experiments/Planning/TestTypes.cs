using Aibench.Contracts.Client;
using Aibench.Shared.Text;

namespace Aibench.Experiments.Planning;

/// <summary>The test types, their presets and how an experiment becomes a <see cref="BenchmarkSpec"/>.</summary>
internal static class TestTypes
{
    public const string Throughput = "throughput";
    public const string Latency = "latency";
    public const string Stress = "stress";
    public const string Soak = "soak";
    public const string Sweep = "sweep";
    public const string Capacity = "capacity";

    public static readonly string[] All = [Throughput, Latency, Stress, Soak, Sweep, Capacity];

    /// <summary>The load options each type reads; any other one given is an error rather than silently ignored.</summary>
    public static IReadOnlyList<string> ShapeFields(string type) => type switch
    {
        Throughput => ["concurrency"],
        Latency or Soak => ["rate", "arrival", "burstiness", "maxInFlight"],
        Stress => ["from", "to", "arrival", "burstiness", "maxInFlight"],
        Capacity => ["arrival", "burstiness", "maxInFlight"],
        _ => ["rates", "concurrencies", "arrival", "burstiness", "maxInFlight"],
    };

    public static TimeSpan DefaultDuration(string type) => type switch
    {
        Soak => TimeSpan.FromHours(1),
        Sweep => TimeSpan.FromMinutes(10),
        Capacity => TimeSpan.FromMinutes(30),
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
            // Each probe of the search sets its own rate (CapacitySearch.ProbeSpec).
            Capacity => new LoadShape("rate", Rate: replicas, Arrival: arrival, Burstiness: burstiness, MaxInFlight: load.MaxInFlight),
            _ when load.Rates is { Count: > 0 } rates => new LoadShape("sweep", Rates: rates, Arrival: arrival, Burstiness: burstiness,
                MaxInFlight: load.MaxInFlight),
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
            Name = main.Name + BenchmarkSpec.WarmupNameSuffix,
            Load = new LoadShape("concurrency", Concurrency: 4 * replicas),
            Duration = Seconds(warmup),
            // A capacity probe's request cap and settling period are its own, not the warm-up's.
            MaxRequests = null,
            Warmup = null,
            Slo = null,
            // Warming up is short and light: from this host, whatever the measured run's placement.
            Placement = null,
        };

    /// <summary>Seconds of load in all: one duration per step.</summary>
    public static double LoadSeconds(BenchmarkSpec spec) =>
        (Duration.TryParse(spec.Duration, out var step) ? step.TotalSeconds : 0) * Steps(spec.Load ?? new LoadShape());

    private static string Seconds(TimeSpan value) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{(long)value.TotalSeconds}s");
}
