using System.Globalization;
using System.Text.Json;
using Aibench.Tests.Infrastructure;
using Aibench.Tests.Server;
using static Aibench.Tests.Experiments.ExperimentDriver;

namespace Aibench.Tests.Experiments;

/// <summary>
/// The capacity search against a service whose capacity is known: the simulator's batching model with fixed output
/// lengths saturates at μ = 1 / (L·(d₀ + d₁·S)/S + p₀) requests per second (docs/simulator.md), and below μ a constant
/// arrival stream never queues. The search must find μ within its tolerance, for two configurations.
/// </summary>
public abstract class CapacityGroundTruthTests
{
    protected abstract string Scheduler { get; }

    protected virtual string? SkipReason => null;

    /// <summary>Where the load comes from: null for in-process, else the experiment's load.placement.</summary>
    protected virtual object? Placement => null;

    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(8);

    /// <summary>A simulator configuration and the capacity its batching model gives.</summary>
    public sealed record Model(int MaxNumSeqs, double DecodeBaseMs, double DecodePerSeqMs, double PrefillBaseMs, int OutputTokens, double Start)
    {
        /// <summary>Saturated, every step runs S sequences: L steps per request shared by S, plus one prefill each.</summary>
        public double Capacity => 1000 / ((OutputTokens * (DecodeBaseMs + (DecodePerSeqMs * MaxNumSeqs)) / MaxNumSeqs) + PrefillBaseMs);

        public object Parameters => new
        {
            max_num_seqs = MaxNumSeqs,
            decode_base_ms = DecodeBaseMs,
            decode_per_seq_ms = DecodePerSeqMs,
            prefill_base_ms = PrefillBaseMs,
            prefill_per_token_ms = 0,
        };
    }

    /// <summary>37.04 req/s: eight sequences, 20 tokens each, 10 ms steps, 2 ms prefill.</summary>
    public static readonly Model Wide = new(8, 10, 0, 2, 20, 16);

    /// <summary>14.29 req/s: four sequences, 16 tokens each, steps of 8 ms + 2 ms per sequence, 6 ms prefill.</summary>
    public static readonly Model Narrow = new(4, 8, 2, 6, 16, 6);

    protected async Task<JsonElement> SearchAsync(Model model)
    {
        Assert.SkipWhen(SkipReason is not null, SkipReason ?? "");
        // Workers report to the host over HTTP: a real port. Each probe is a worker job of its own, started a few seconds ahead.
        await using var host = Placement is null ? Start(Scheduler)
            : ServerHost.Start(Scheduler, kestrel: true, extra: new Dictionary<string, string?>
        {
            ["Experiments:PollSeconds"] = "1",
            ["Experiments:CollectDelay"] = "1s",
            ["Client:WorkerStartLead"] = "8s",
        });
        var id = await CreateAsync(host.Client, new
        {
            recipe = "vllm-sim",
            nodes = 1,
            testType = "capacity",
            duration = "6m",
            warmup = "2s",
            parameters = model.Parameters,
            load = new
            {
                dataset = string.Create(CultureInfo.InvariantCulture, $"random:input=32,output={model.OutputTokens}"),
                arrival = "constant",
                timeout = "30s",
                placement = Placement,
            },
            // 150 ms is a few steps: met by every request below μ, and missed by most once the queue grows above it.
            slo = new { ttft = "150ms" },
            capacity = new { start = model.Start, minRequests = 150, settle = "2s", tolerance = 0.05 },
        });

        var done = await WaitEndAsync(host.Client, id, Patience);
        Assert.True(Status(done) == "completed", done.ToString());
        return done;
    }

    protected static void AssertFound(JsonElement done, Model model)
    {
        var capacity = done.GetProperty("result").GetProperty("capacity");
        var probes = string.Join("; ", capacity.GetProperty("probes").EnumerateArray().Select(p => string.Create(CultureInfo.InvariantCulture,
            $"{p.GetProperty("rate").GetDouble()} req/s: {p.GetProperty("met").GetInt64()}/{p.GetProperty("measured").GetInt64()} met"
            + $"{(p.GetProperty("stoppedEarly").GetBoolean() ? " (stopped early)" : "")}, TTFT p90 {p.GetProperty("ttftP90Ms")}")));
        var why = $"computed {model.Capacity:0.###} req/s; found {capacity.GetProperty("summary").GetString()}; probes: {probes}";
        TestContext.Current.TestOutputHelper?.WriteLine(why);
        Assert.Equal("converged", capacity.GetProperty("ended").GetString());
        var found = capacity.GetProperty("rate").GetDouble();
        Assert.True(Math.Abs(found - model.Capacity) <= 0.05 * model.Capacity, why);
        Assert.InRange(capacity.GetProperty("halfWidthPercent").GetDouble(), 0, 5);
        Assert.Equal("ttft", capacity.GetProperty("brokeFirst").GetString());
        Assert.False(capacity.GetProperty("atLeast").GetBoolean());
        // In output tokens per second: every request generates exactly L tokens.
        Assert.Equal(found * model.OutputTokens, capacity.GetProperty("outputTokensPerSecond").GetDouble(), 0.02 * found * model.OutputTokens);

        // The experiment's measured run is the highest passing probe; its numbers are the result's headline.
        var best = capacity.GetProperty("probes").EnumerateArray().Last(p => p.GetProperty("rate").GetDouble()
            == capacity.GetProperty("lower").GetDouble());
        Assert.Equal(best.GetProperty("benchmarkId").GetGuid(), done.GetProperty("experiment").GetProperty("benchmarkId").GetGuid());
        Assert.Contains("capacity", done.GetProperty("experiment").GetProperty("reason").GetString());
        // The probes far above μ stopped as soon as they could no longer pass.
        Assert.Contains(capacity.GetProperty("probes").EnumerateArray(), p => p.GetProperty("stoppedEarly").GetBoolean());
    }
}

[Collection(nameof(HostCollection))]
[Trait("Category", "Timing")]
public sealed class LocalCapacityGroundTruthTests : CapacityGroundTruthTests
{
    protected override string Scheduler => "local";

    /// <summary>
    /// A closed loop of c ≤ S requests keeps c sequences decoding, so each step, and so each request's inter-token
    /// latency, is d₀ + d₁·c (no prefill time here). Under an ITL objective X the most in flight that hold is
    /// c* = ⌊(X − d₀) / d₁⌋ (docs/simulator.md); the margins either side are d₁ / 2.
    /// </summary>
    [Theory]
    [InlineData(10, 10, 105, 9)]
    [InlineData(20, 8, 72, 6)]
    public async Task In_concurrency_mode_the_search_finds_the_computed_most_requests_in_flight_under_an_itl_objective(double decodeBaseMs,
        double decodePerSeqMs, double itlMs, int computed)
    {
        Assert.Equal(computed, (int)Math.Floor((itlMs - decodeBaseMs) / decodePerSeqMs));
        await using var host = Start(Scheduler);
        var id = await CreateAsync(host.Client, new
        {
            recipe = "vllm-sim",
            nodes = 1,
            testType = "capacity",
            duration = "8m",
            warmup = "0s",
            parameters = new
            {
                max_num_seqs = 64, decode_base_ms = decodeBaseMs, decode_per_seq_ms = decodePerSeqMs, prefill_base_ms = 0, prefill_per_token_ms = 0,
            },
            load = new { dataset = "random:input=32,output=8", timeout = "30s" },
            slo = new { itl = string.Create(CultureInfo.InvariantCulture, $"{itlMs}ms") },
            capacity = new { mode = "concurrency", start = 1, minRequests = 100, settle = "2s", tolerance = 0.05 },
        });

        var done = await WaitEndAsync(host.Client, id, TimeSpan.FromMinutes(9));
        Assert.True(Status(done) == "completed", done.ToString());
        var capacity = done.GetProperty("result").GetProperty("capacity");
        var probes = string.Join("; ", capacity.GetProperty("probes").EnumerateArray().Select(p => string.Create(CultureInfo.InvariantCulture,
            $"{p.GetProperty("rate").GetDouble()} in flight: {p.GetProperty("met").GetInt64()}/{p.GetProperty("measured").GetInt64()} met, "
            + $"{p.GetProperty("requestThroughput").GetDouble():0.##} req/s")));
        var why = $"computed {computed} in flight; found {capacity.GetProperty("summary").GetString()}; probes: {probes}";
        TestContext.Current.TestOutputHelper?.WriteLine(why);
        Assert.True(capacity.GetProperty("mode").GetString() == "concurrency", why);
        Assert.True(capacity.GetProperty("rate").GetDouble() == computed, why);
        Assert.Equal("converged", capacity.GetProperty("ended").GetString());
        Assert.Equal("itl", capacity.GetProperty("brokeFirst").GetString());
        // What it carried, measured: c* requests of 8 tokens each, every (7 gaps + a first token) of about d₀ + d₁·c*.
        var carried = capacity.GetProperty("requestRate").GetDouble();
        Assert.InRange(carried, 0.5 * computed / (8 * (itlMs / 1000)), 1.5 * computed / (7 * ((decodeBaseMs + decodePerSeqMs * computed) / 1000)));
        Assert.Equal(carried * 8, capacity.GetProperty("outputTokensPerSecond").GetDouble(), 0.02 * carried * 8);
    }

    [Fact]
    public async Task The_search_finds_the_computed_capacity_of_eight_sequences_of_twenty_tokens() =>
        AssertFound(await SearchAsync(Wide), Wide);

    [Fact]
    public async Task The_search_finds_the_computed_capacity_of_four_sequences_of_sixteen_tokens() =>
        AssertFound(await SearchAsync(Narrow), Narrow);
}

/// <summary>The same on the 4-node SLURM cluster: the service is a SLURM job, the load in-process.</summary>
[Collection(nameof(HostCollection))]
[Trait("Category", "Timing")]
public sealed class SlurmCapacityGroundTruthTests : CapacityGroundTruthTests
{
    protected override string Scheduler => "slurm";

    protected override string? SkipReason => SlurmCluster.Unavailable();

    [Fact]
    public async Task The_search_finds_the_computed_capacity_of_eight_sequences_of_twenty_tokens() =>
        AssertFound(await SearchAsync(Wide), Wide);
}

/// <summary>The same with the load from SLURM workers: every probe a worker job of two tasks on two nodes, merged by the host.</summary>
[Collection(nameof(HostCollection))]
[Trait("Category", "Timing")]
public sealed class SlurmWorkerCapacityGroundTruthTests : CapacityGroundTruthTests
{
    protected override string Scheduler => "slurm";

    protected override string? SkipReason => SlurmCluster.Unavailable();

    protected override object? Placement => new { kind = "slurm", nodes = 2, tasksPerNode = 1, reporting = "http" };

    [Fact]
    public async Task The_search_finds_the_computed_capacity_of_four_sequences_of_sixteen_tokens_with_the_load_from_workers() =>
        AssertFound(await SearchAsync(Narrow), Narrow);
}
