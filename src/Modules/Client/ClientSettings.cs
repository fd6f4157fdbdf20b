using Aibench.Shared.Modules;
using Microsoft.Extensions.Configuration;

namespace Aibench.Client;

/// <summary>Distributed load generation (section <c>Client</c>).</summary>
/// <param name="WorkerStartLead">Time from submitting a worker job to the workers' shared start: the job must be scheduled and every worker started by then.</param>
/// <param name="WorkerReportUrl">The URL workers reach this host at; the address it listens on when not set.</param>
internal sealed record ClientSettings(TimeSpan WorkerStartLead, string? WorkerReportUrl)
{
    public static readonly string[] Keys = ["WorkerStartLead", "WorkerReportUrl"];

    public static ClientSettings Load(IConfiguration configuration, List<string> errors)
    {
        SettingReader.Unknown(configuration.GetSection("Client"), Keys, errors);
        var url = configuration["Client:WorkerReportUrl"];
        if (url is { Length: > 0 } && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            errors.Add($"Client:WorkerReportUrl: '{url}' is not an http:// or https:// URL.");
            url = null;
        }

        return new ClientSettings(SettingReader.Time(configuration, "Client:WorkerStartLead", TimeSpan.FromSeconds(20), errors), url is { Length: > 0 } ? url : null);
    }
}
