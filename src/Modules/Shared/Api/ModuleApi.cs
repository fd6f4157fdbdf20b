using Aibench.Shared.Modules;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Aibench.Shared.Api;

public static class ModuleApi
{
    /// <summary>
    /// The one route group of a module: under <c>/api/v1</c>, tagged and grouped into the module's own
    /// OpenAPI document, behind the access token.
    /// </summary>
    public static RouteGroupBuilder MapModuleApi(this IEndpointRouteBuilder app, ModuleDescriptor module) =>
        app.MapGroup(ApiPaths.Root)
            .WithTags(module.Name)
            .WithGroupName(module.DocumentName)
            .RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized);
}
