using Aibench.Shared.Modules;
using Microsoft.Extensions.Configuration;

namespace Aibench.Client;

/// <summary>Load generation settings (section <c>Client</c>).</summary>
/// <param name="WorkerStartLead">Time from submitting a worker job to the workers' shared start: the job must be scheduled and every worker started
/// by then.</param>
/// <param name="WorkerReportUrl">The URL workers reach this host at; the address it listens on when not set.</param>
/// <param name="Calibration">Client calibration of runs whose spec does not say (<c>3s</c> by default, <c>off</c>); null when off.</param>
/// <param name="CalibrationBinary">The aibench executable that serves the calibration's zero-latency endpoint; this program when empty.</param>
internal sealed record ClientSettings(TimeSpan WorkerStartLead, string? WorkerReportUrl, TimeSpan? Calibration = null,
    string? CalibrationBinary = null)
{
    public static readonly string[] Keys = ["WorkerStartLead", "WorkerReportUrl", "Calibration", "CalibrationBinary"];

    public static ClientSettings Load(IConfiguration configuration, List<string> errors)
    {
        SettingReader.Unknown(configuration.GetSection("Client"), Keys, errors);
        var url = configuration["Client:WorkerReportUrl"];
        if (url is { Length: > 0 } && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            errors.Add($"Client:WorkerReportUrl: '{url}' is not an http:// or https:// URL.");
            url = null;
        }

        var calibrationText = configuration["Client:Calibration"];
        if (!LoadGen.ClientCalibration.TryParse(calibrationText, out var calibration))
        {
            errors.Add($"Client:Calibration: '{calibrationText}' is not off or a duration between 1s and 60s, like 3s.");
            calibration = LoadGen.ClientCalibration.Default;
        }

        var binary = configuration["Client:CalibrationBinary"];
        if (binary is { Length: > 0 } && !Path.IsPathFullyQualified(binary))
        {
            errors.Add($"Client:CalibrationBinary: '{binary}' must be an absolute path to the aibench executable.");
            binary = null;
        }

        return new ClientSettings(SettingReader.Time(configuration, "Client:WorkerStartLead", TimeSpan.FromSeconds(20), errors), url
            is { Length: > 0 } ? url : null,
            calibration, binary is { Length: > 0 } ? binary : null);
    }
}
