using System.Text.Json;
using Aibench.Contracts;
using Aibench.Contracts.Client;
using Aibench.Contracts.Experiments;
using Aibench.Contracts.Server;

namespace Aibench.Tests.Contracts;

/// <summary>
/// The enums of the contracts replaced status texts that were already on the wire (REST, stored JSON, database columns):
/// their wire names must be exactly those texts, whatever serializer options a module uses.
/// </summary>
public sealed class WireNamesTests
{
    [Fact]
    public void Benchmark_statuses_keep_their_names()
    {
        Assert.Equal(["pending", "running", "completed", "partial", "failed", "cancelled"], WireNames.All<BenchmarkStatus>());
    }

    [Fact]
    public void Experiment_stages_and_statuses_keep_their_names()
    {
        Assert.Equal(
            ["pending", "deploying", "waiting", "warmup", "loading", "collecting", "stopping", "summarising", "completed", "failed", "cancelled"],
            WireNames.All<ExperimentStage>());
        Assert.Equal(["running", "completed", "failed", "cancelled"], WireNames.All<ExperimentStatus>());
    }

    [Fact]
    public void Service_statuses_keep_their_names()
    {
        Assert.Equal(["pending", "queued", "starting", "ready", "completed", "failed", "cancelled", "timed_out", "unknown", "restarting"],
            WireNames.All<ServiceStatus>());
    }

    [Fact]
    public void Any_serializer_writes_and_reads_the_wire_name_never_a_number()
    {
        // A module's own options (no enum converter), as for a stored experiment result.
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var json = JsonSerializer.Serialize(new { Status = BenchmarkStatus.Partial, Stage = ExperimentStage.Warmup, Service = ServiceStatus.TimedOut
            }, options);

        Assert.Equal("""{"status":"partial","stage":"warmup","service":"timed_out"}""", json);
        Assert.Equal(ServiceStatus.TimedOut, JsonSerializer.Deserialize<ServiceStatus>("\"timed_out\"", options));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<BenchmarkStatus>("\"done\"", options));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<BenchmarkStatus>("2", options));
    }

    [Fact]
    public void Names_are_read_in_any_case_and_unknown_ones_refused()
    {
        Assert.True(WireNames.TryParse<ExperimentStage>("Summarising", out var stage));
        Assert.Equal(ExperimentStage.Summarising, stage);
        Assert.False(WireNames.TryParse<ExperimentStage>("load", out _));
        Assert.False(WireNames.TryParse<ExperimentStage>(null, out _));
        Assert.Contains("deploying", Assert.Throws<FormatException>(() => WireNames.Parse<ExperimentStage>("load")).Message);
    }
}
