using Aibench.Client.LoadGen.Datasets;

namespace Aibench.Client.LoadGen;

/// <summary>What was learnt and done before a run's clock started.</summary>
internal sealed record PreparedClient(ClientEnvelope Envelope, ClientWarmup? Warmup);

/// <summary>
/// Everything before a run's clock starts, the same in the host's job, in <c>aibench loadgen</c> and on every worker:
/// the calibration (which also warms the client with the run's own shape), then the warm-up against the real endpoints.
/// </summary>
internal static class ClientPreparation
{
    /// <param name="calibration">How long to calibrate; null when it is off.</param>
    /// <param name="say">Told what is being done, for a progress line.</param>
    public static async Task<PreparedClient> RunAsync(LoadPlan plan, PromptSet prompts, HttpClient http, TimeSpan? calibration, bool warmup,
        string? binary, Action<string>? say, CancellationToken ct)
    {
        var envelope = ClientEnvelope.Off();
        if (calibration is { } duration)
        {
            say?.Invoke($"calibrating the client for {Shared.Text.Duration.Format(duration)} against a zero-latency endpoint on this node");
            envelope = await ClientCalibration.MeasureAsync(plan, prompts, http, duration, binary, ct);
        }

        ClientWarmup? warm = null;
        if (warmup)
        {
            say?.Invoke($"warming the client: {ClientWarmupRunner.ConnectionsPerEndpoint(plan)} short request(s) per endpoint");
            warm = await ClientWarmupRunner.RunAsync(plan, http, envelope.IsMeasured, ct);
        }

        return new PreparedClient(envelope, warm);
    }

    /// <summary>The spec's calibration, or <paramref name="fallback"/> (the host's setting) when the spec leaves it empty.</summary>
    public static TimeSpan? Calibration(Contracts.Client.BenchmarkSpec spec, TimeSpan? fallback) =>
        string.IsNullOrWhiteSpace(spec.Calibration) ? fallback
        : ClientCalibration.TryParse(spec.Calibration, out var value) ? value
        : throw new ArgumentException($"calibration: '{spec.Calibration}' is not valid", nameof(spec));
}
