using Aibench.Server.Persistence;
using Aibench.Shared.Resilience;

namespace Aibench.Server.Lifecycle;

/// <summary>The circuits that guard a service's endpoints (its probes, and the Monitor module's scrapes), when not closed.</summary>
internal static class ServiceCircuits
{
    public static IReadOnlyList<CircuitView> Open(CircuitBreakers breakers, IEnumerable<string> urls)
    {
        var targets = urls.Select(u => Uri.TryCreate(u, UriKind.Absolute, out var url) ? CircuitNames.HostPort(url) : null)
            .OfType<string>().ToHashSet(StringComparer.Ordinal);
        return targets.Count == 0
            ? []
            : [.. breakers.Views().Where(v => v.IsOpen && v.Kind is "probe" or "scrape" && targets.Contains(v.Target))];
    }

    public static IReadOnlyList<CircuitView> Open(CircuitBreakers breakers, IEnumerable<ServiceEndpoint> endpoints) =>
        Open(breakers, endpoints.Select(e => Jobs.PollServicesJob.Url(e)));
}
