using Aibench.Contracts.Server;

namespace Aibench.Server;

/// <summary>The wire names of <see cref="ServiceStatus"/> (snake_case, as the API and UI show them).</summary>
internal static class ServiceStatuses
{
    private static readonly Dictionary<ServiceStatus, string> ToName = Enum.GetValues<ServiceStatus>()
        .ToDictionary(s => s, s => s == ServiceStatus.TimedOut ? "timed_out" : s.ToString().ToLowerInvariant());

    private static readonly Dictionary<string, ServiceStatus> FromName =
        ToName.ToDictionary(kv => kv.Value, kv => kv.Key, StringComparer.OrdinalIgnoreCase);

    public static IEnumerable<string> Names => ToName.Values;

    public static string Name(ServiceStatus status) => ToName[status];

    public static bool TryParse(string name, out ServiceStatus status) => FromName.TryGetValue(name, out status);

    /// <summary>Whether a status by its wire name is an end state (completed, failed, cancelled, timed out).</summary>
    public static bool IsTerminal(string name) => TryParse(name, out var status) && Lifecycle.ServiceTransitions.IsTerminal(status);
}
