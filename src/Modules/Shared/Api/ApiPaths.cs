using Microsoft.AspNetCore.Http;

namespace Aibench.Shared.Api;

/// <summary>Which requests are machine calls (answered with JSON/ProblemDetails) rather than pages.</summary>
public static class ApiPaths
{
    public const string Root = "/api/v1";

    public static bool IsApi(PathString path) =>
        path.StartsWithSegments("/api") || path.StartsWithSegments("/openapi")
        || path.StartsWithSegments("/metrics") || path.StartsWithSegments("/health") || path.StartsWithSegments("/ready");
}
