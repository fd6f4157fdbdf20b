using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aibench.Client.LoadGen;
using Aibench.Contracts.Client;
using Aibench.Simulator;
using Aibench.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace Aibench.Tests.Client;

/// <summary>
/// The client envelope (issue 14, parts 2 and 5): the calibration against a zero-latency <c>aibench sim</c> child, the
/// client-limited verdict and the warm-up before the clock. The CLI cases run the real binary, as a user types it, so
/// that its start-up (JIT, connections) is what is measured and its own path is the calibration child's.
/// </summary>
public sealed class ClientEnvelopeTests : IDisposable
{
    private static readonly TimeSpan Exit = TimeSpan.FromMinutes(2);
    private readonly string _dir = Directory.CreateTempSubdirectory("aibench-envelope-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(int Exit, string Stdout, string Stderr)> LoadgenAsync(params string[] args)
    {
        await using var process = AibenchProcess.Start(Path.Combine(_dir, "home"), ["loadgen", .. args]);
        var exit = await process.ExitCodeAsync(Exit);
        return (exit, process.Stdout, process.Stderr);
    }

    private static async Task<JsonElement> ReadAsync(string path) =>
        JsonDocument.Parse(await File.ReadAllBytesAsync(path, Ct)).RootElement.Clone();

    [Fact]
    public async Task Calibrate_only_prints_and_writes_the_envelope_without_a_target()
    {
        var output = Path.Combine(_dir, "envelope.json");
        var (exit, stdout, stderr) = await LoadgenAsync("--calibrate-only", "--rate", "20", "--calibrate", "1s",
            "--dataset", "random:input=16,output=8", "--output", output, "--quiet");

        Assert.True(exit == 0, stderr);
        Assert.Contains("client envelope (20 req/s against a zero-latency endpoint", stdout);
        Assert.Contains("TTFT floor p50 / p99 ms", stdout);
        var envelope = (await ReadAsync(output)).GetProperty("envelope");
        Assert.Equal("measured", envelope.GetProperty("status").GetString());
        Assert.Equal(20, envelope.GetProperty("targetRate").GetDouble());
        // A second of Poisson arrivals at 20 req/s, the first quarter a warm-up: some requests, all answered.
        Assert.True(envelope.GetProperty("requests").GetInt64() > 0, envelope.ToString());
        Assert.Equal(0, envelope.GetProperty("errors").GetInt64());
        Assert.True(envelope.GetProperty("ttftP50Ms").GetDouble() >= 0);
        Assert.True(envelope.GetProperty("cores").GetInt32() == Environment.ProcessorCount);
        // Its own wall time covers the child's start, the load and the stop: at least the load.
        Assert.True(envelope.GetProperty("durationSeconds").GetDouble() >= 1, envelope.ToString());
    }

    [Fact]
    public async Task Calibration_flags_that_contradict_each_other_or_are_out_of_range_are_refused_naming_the_flag()
    {
        var (exit, _, stderr) = await LoadgenAsync("--url", "http://127.0.0.1:9", "--rate", "5", "--duration", "1s", "--no-calibrate", "--calibrate",
            "2s");
        Assert.Equal(2, exit);
        Assert.Contains("aibench loadgen: --no-calibrate: cannot go with --calibrate.", stderr);

        (exit, _, stderr) = await LoadgenAsync("--url", "http://127.0.0.1:9", "--rate", "5", "--duration", "1s", "--calibrate", "5m");
        Assert.Equal(2, exit);
        Assert.Contains("aibench loadgen: --calibrate: must be off or a duration between 1s and 60s such as 3s, not '5m'.", stderr);
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("off", true)]
    [InlineData("3s", true)]
    [InlineData("60s", true)]
    [InlineData("500ms", false)]
    [InlineData("2m", false)]
    [InlineData("soon", false)]
    public void The_spec_calibration_is_off_or_a_duration_between_1s_and_60s(string? calibration, bool valid)
    {
        var spec = new BenchmarkSpec(Urls: ["http://127.0.0.1:8000"], Duration: "10s", Calibration: calibration);
        var result = new BenchmarkSpecValidator().Validate(spec);
        Assert.Equal(valid, result.IsValid);
        if (!valid)
        {
            Assert.Contains(result.Errors, e => e.PropertyName == "calibration"
                && e.ErrorMessage.EndsWith($"not '{calibration}'.", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Bad_calibration_settings_are_refused_naming_the_key()
    {
        var errors = new List<string>();
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Client:Calibration"] = "forever",
            ["Client:CalibrationBinary"] = "relative/aibench",
        }).Build();

        var settings = Aibench.Client.ClientSettings.Load(configuration, errors);

        Assert.Contains(errors, e => e.StartsWith("Client:Calibration: 'forever'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Client:CalibrationBinary: 'relative/aibench' must be an absolute path", StringComparison.Ordinal));
        Assert.Equal(ClientCalibration.Default, settings.Calibration);

        errors.Clear();
        var off = Aibench.Client.ClientSettings.Load(new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Client:Calibration"] = "off" }).Build(), errors);
        Assert.Empty(errors);
        Assert.Null(off.Calibration);
    }

    [Fact]
    public async Task A_run_the_client_cannot_send_is_flagged_client_limited_with_the_reason()
    {
        // 20,000 req/s with one request in flight at a time: every answer, even from a server that answers at once, takes
        // far more than the 50 µs between arrivals over loopback HTTP, so neither the envelope nor the run can reach
        // the rate: the client (its own cap) is the limit, not the server.
        await using var sim = await Sim.StartAsync(new SimOptions { Ttft = TimeSpan.Zero, Itl = TimeSpan.Zero });
        var output = Path.Combine(_dir, "bound.json");
        var (exit, stdout, stderr) = await LoadgenAsync("--url", sim.Url.ToString(), "--model", "sim-model", "--rate", "20000", "--max-in-flight",
            "1",
            "--max-requests", "300", "--duration", "5s", "--calibrate", "1s", "--dataset", "random:input=16,output=4", "--output", output, "--quiet");

        Assert.True(exit == 0, stderr);
        var document = await ReadAsync(output);
        var summary = document.GetProperty("summary");
        Assert.True(summary.GetProperty("clientLimited").GetBoolean(), summary.ToString());
        var reasons = summary.GetProperty("clientLimitReasons").EnumerateArray().Select(r => r.GetString()!).ToList();
        Assert.Contains(reasons, r => r.Contains("of the target rate", StringComparison.Ordinal)
            && r.Contains("zero-latency server", StringComparison.Ordinal));
        Assert.True(summary.GetProperty("envelope").GetProperty("achievedRatio").GetDouble() < ClientLimits.RateRatio);
        // The same verdict in the result document's envelope section and in the printed report.
        Assert.True(document.GetProperty("envelope").GetProperty("clientLimited").GetBoolean());
        Assert.Contains("client-limited: the client, not the service, limited this run", stdout);
    }

    // Whether a normal run is flagged depends on what else runs on the machine (a loaded CPU does limit the client):
    // it runs with the timing tests, alone.
    [Fact]
    [Trait("Category", TimingCollection.Trait)]
    public async Task A_normal_run_is_not_flagged_and_states_its_envelope_and_warm_up()
    {
        // 20 req/s against 20 ms answers is a few percent of what this client sends: neither the rate rule (3 σ of
        // Poisson noise below 0.95), nor the median-lag rule (5 ms), nor the CPU rule (90 %) may fire, even on a
        // loaded machine, whose preemption spikes show in lag p99 only.
        await using var sim = await Sim.StartAsync(new SimOptions { Ttft = TimeSpan.FromMilliseconds(20), Itl = TimeSpan.FromMilliseconds(2) });
        var output = Path.Combine(_dir, "normal.json");
        var (exit, stdout, stderr) = await LoadgenAsync("--url", sim.Url.ToString(), "--model", "sim-model", "--rate", "20", "--duration", "3s",
            "--calibrate", "1s", "--dataset", "random:input=16,output=8", "--output", output, "--quiet");

        Assert.True(exit == 0, stderr);
        var summary = (await ReadAsync(output)).GetProperty("summary");
        Assert.False(summary.GetProperty("clientLimited").GetBoolean(), summary.ToString());
        Assert.Equal("measured", summary.GetProperty("envelope").GetProperty("status").GetString());
        var warmup = summary.GetProperty("clientWarmup");
        // 20 req/s × 250 ms assumed latency = 5 connections to the one endpoint, each opened by an uncounted request.
        Assert.Equal(5, warmup.GetProperty("requests").GetInt64());
        Assert.Equal(5, warmup.GetProperty("connections").GetInt32());
        Assert.True(warmup.GetProperty("calibrated").GetBoolean());
        Assert.Contains("not client-limited", stdout);
    }

    [Fact]
    public async Task Without_calibration_the_result_says_so_and_judges_only_the_client_cpu()
    {
        await using var sim = await Sim.StartAsync(new SimOptions { Ttft = TimeSpan.Zero, Itl = TimeSpan.Zero });
        var output = Path.Combine(_dir, "off.json");
        var (exit, _, stderr) = await LoadgenAsync("--url", sim.Url.ToString(), "--model", "sim-model", "--concurrency", "2", "--max-requests", "10",
            "--no-calibrate", "--no-client-warmup", "--dataset", "random:input=16,output=4", "--output", output, "--quiet");

        Assert.True(exit == 0, stderr);
        var summary = (await ReadAsync(output)).GetProperty("summary");
        Assert.Equal("off", summary.GetProperty("envelope").GetProperty("status").GetString());
        Assert.False(summary.TryGetProperty("clientWarmup", out _));
        Assert.True(summary.GetProperty("clientCpu").GetDouble() >= 0);
    }

    [Fact]
    public async Task A_host_run_carries_the_envelope_in_its_summary_and_export()
    {
        await using var sim = await Sim.StartAsync(new SimOptions { Ttft = TimeSpan.FromMilliseconds(2), Itl = TimeSpan.FromMilliseconds(1) });
        await using var factory = new AibenchFactory(settings: new Dictionary<string, string?>
        {
            // The test host is not the aibench binary: it is told where one is, as a site would with Client:CalibrationBinary.
            ["Client:CalibrationBinary"] = AibenchProcess.Binary(),
            ["Client:Calibration"] = "1s",
        });
        using var client = factory.Authorized();
        var response = await client.PostAsJsonAsync("/api/v1/benchmarks", new
        {
            urls = new[] { sim.Url.ToString() }, model = "sim-model", load = new { kind = "rate", rate = 10 }, duration = "2s",
            dataset = "random:input=16,output=4",
        }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();

        var until = DateTime.UtcNow.AddSeconds(90);
        string? status;
        do
        {
            await Task.Delay(200, Ct);
            status = (await client.GetFromJsonAsync<JsonElement>($"/api/v1/benchmarks/{id}",
                Ct)).GetProperty("run").GetProperty("status").GetString();
        }
        while (status is "pending" or "running" && DateTime.UtcNow < until);

        Assert.Equal("completed", status);
        var export = await client.GetFromJsonAsync<JsonElement>($"/api/v1/benchmarks/{id}/export?format=json", Ct);
        var envelope = export.GetProperty("envelope");
        Assert.Equal("measured", envelope.GetProperty("status").GetString());
        Assert.Equal(1, envelope.GetProperty("configuredSeconds").GetDouble());
        // The verdict itself is the timing tests' business (this runs beside dozens of others, which may well limit the
        // client); here it must be given, with reasons exactly when it is positive.
        var limited = envelope.GetProperty("clientLimited").GetBoolean();
        Assert.Equal(limited, envelope.TryGetProperty("clientLimitReasons", out var reasons) && reasons.ValueKind == JsonValueKind.Array
            && reasons.GetArrayLength() > 0);
        Assert.True(envelope.GetProperty("clientWarmup").GetProperty("requests").GetInt64() >= 1);
        Assert.Equal("measured", export.GetProperty("summary").GetProperty("envelope").GetProperty("status").GetString());
    }
}
