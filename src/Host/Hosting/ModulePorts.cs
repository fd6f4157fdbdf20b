using Aibench.Host.Configuration;
using Aibench.Shared.Modules;

namespace Aibench.Host.Hosting;

/// <summary>
/// A module's own port (as in the original one-service-per-port design) answers that module's API, its
/// OpenAPI document and the health probes, and nothing else; the main URL answers everything.
/// </summary>
internal sealed class ModulePorts(RequestDelegate next, AibenchSettings settings, IEnumerable<ModuleDescriptor> modules)
{
    private readonly Dictionary<int, ModuleDescriptor> _byPort = modules
        .Where(m => settings.ModulePorts.ContainsKey(m.Name))
        .ToDictionary(m => settings.ModulePorts[m.Name]);

    public Task InvokeAsync(HttpContext context)
    {
        if (_byPort.Count == 0 || !_byPort.TryGetValue(context.Connection.LocalPort, out var module) || Allowed(module, context.Request.Path))
        {
            return next(context);
        }

        return Results.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "Not found on this port.",
                detail: $"Port {context.Connection.LocalPort} serves only the {module.Name} module ({string.Join(", ", module.RoutePrefixes)}).")
            .ExecuteAsync(context);
    }

    private static bool Allowed(ModuleDescriptor module, PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/ready")
        || path.Equals($"/openapi/{module.DocumentName}.json", StringComparison.OrdinalIgnoreCase)
        || module.RoutePrefixes.Any(prefix => path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase));
}
