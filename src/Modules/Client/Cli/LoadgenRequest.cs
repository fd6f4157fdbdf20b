using Aibench.Contracts.Client;

namespace Aibench.Client.Cli;

/// <summary>A run the flags asked for: a valid spec and where to write what it produced.</summary>
/// <param name="CalibrateOnly">Measure and print the client envelope only; send nothing to the target.</param>
internal sealed record LoadgenRequest(BenchmarkSpec Spec, string? OutputPath, string? RequestsPath, bool Quiet, bool CalibrateOnly = false,
    string? ReportPath = null);
