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
/// <param name="Itl">Inter-token latency of a request: (last token − first token) / (output tokens − 1).</param>
public sealed record ExperimentSlo(string? Ttft = null, string? Tpot = null, string? E2e = null, double? Target = null, double? MaxErrorRate = null,
    string? Itl = null)
{
    public const double DefaultTarget = 0.9;
    public const double DefaultMaxErrorRate = 0.05;

    public bool HasLatency => Ttft is not null || Tpot is not null || E2e is not null || Itl is not null;

    internal SloSpec? ToSpec() => HasLatency ? new SloSpec(Ttft, Tpot, E2e, Itl: Itl) : null;
}
