using Microsoft.Extensions.DependencyInjection;

namespace Aibench.Shared.Api;

public static class SharedApiExtensions
{
    /// <summary>ProblemDetails for every error answer, and the exception handler that produces them.</summary>
    public static IServiceCollection AddAibenchProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = ctx =>
        {
            ctx.ProblemDetails.Instance ??= ctx.HttpContext.Request.Path;
            ctx.ProblemDetails.Extensions.TryAdd("traceId", ctx.HttpContext.TraceIdentifier);
        });
        services.AddExceptionHandler<ApiExceptionHandler>();
        // Messages name fields as clients write them (?limit=, "nodes"), not as C# properties.
        FluentValidation.ValidatorOptions.Global.DisplayNameResolver = (_, member, _) =>
            member is null ? null : ApiExceptionHandler.FieldName(member.Name);
        return services;
    }
}
