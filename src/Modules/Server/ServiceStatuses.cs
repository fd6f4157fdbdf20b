using Aibench.Contracts;
using Aibench.Contracts.Server;

namespace Aibench.Server;

/// <summary>The wire names of <see cref="ServiceStatus"/> (snake_case, as the API and UI show them; see <see cref="WireNames"/>).</summary>
internal static class ServiceStatuses
{
    public static IEnumerable<string> Names => WireNames.All<ServiceStatus>();

    public static string Name(ServiceStatus status) => status.WireName();

    public static bool TryParse(string name, out ServiceStatus status) => WireNames.TryParse(name, out status);

    /// <summary>Whether a status by its wire name is an end state (completed, failed, cancelled, timed out).</summary>
    public static bool IsTerminal(string name) => TryParse(name, out var status) && Lifecycle.ServiceTransitions.IsTerminal(status);
}
