using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Aibench.Shared.Modules;

/// <summary>
/// What the host needs to know about a module without referencing its internals: its name, its OpenAPI
/// document, the route prefixes it answers under (so an optional module port serves only those) and the
/// assembly holding its Blazor pages.
/// </summary>
public sealed record ModuleDescriptor(string Name, string DocumentName, IReadOnlyList<string> RoutePrefixes, Assembly Assembly)
{
    /// <summary>Configuration key of the module's optional own port, e.g. <c>Modules:Server:Port</c>.</summary>
    public string PortKey => $"Modules:{Name}:Port";

    /// <summary>The port used by the original microservice design; documented, not bound unless configured.</summary>
    public int? DefaultPort { get; init; }

    /// <summary>Top-level configuration sections the module owns (e.g. <c>Server</c>, <c>Scheduler</c>).</summary>
    public IReadOnlyList<string> ConfigurationSections { get; init; } = [];

    /// <summary>Checks the module's settings at start-up; each error names its key. The host reports them all at once.</summary>
    public Func<IConfiguration, DataFolder, IEnumerable<string>>? CheckConfiguration { get; init; }

    /// <summary>Commands the module adds to the <c>aibench</c> command line.</summary>
    public IReadOnlyList<ModuleCommand> Commands { get; init; } = [];
}
