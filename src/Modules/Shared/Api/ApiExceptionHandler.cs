using System.Text.Json;
using System.Text.RegularExpressions;
using FluentValidation;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;

namespace Aibench.Shared.Api;

/// <summary>
/// The one place where exceptions become HTTP answers for the API: validation → 400 with the fields named,
/// not found → 404, conflict → 409, anything else → 500 without internals. Browser pages fall through to /Error.
/// </summary>
internal sealed partial class ApiExceptionHandler(IProblemDetailsService problems, ILogger<ApiExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        // By now the middleware has already pointed the request at the error page; the original path decides.
        var path = context.Features.Get<IExceptionHandlerPathFeature>()?.Path ?? context.Request.Path.Value;
        if (!ApiPaths.IsApi(new PathString(path)))
        {
            return false;
        }

        var problem = Translate(exception);
        if (problem.Status >= 500)
        {
            logger.LogError(exception, "Unhandled error on {Method} {Path}", context.Request.Method, path);
        }

        context.Response.StatusCode = problem.Status ?? 500;
        problem.Instance = path;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    internal static ProblemDetails Translate(Exception exception) => exception switch
    {
        ValidationException validation => new HttpValidationProblemDetails(
            validation.Errors
                .GroupBy(e => FieldName(e.PropertyName))
                .ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct().ToArray()))
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request is not valid.",
            Detail = string.Join(" ", validation.Errors.Select(e => e.ErrorMessage).Distinct()),
        },
        BadHttpRequestException bad => BadRequest(bad),
        NotFoundException notFound => new ProblemDetails
        {
            Status = StatusCodes.Status404NotFound,
            Title = "Not found.",
            Detail = notFound.Message,
        },
        ConflictException conflict => new ProblemDetails
        {
            Status = StatusCodes.Status409Conflict,
            Title = "Conflict with the current state.",
            Detail = conflict.Message,
        },
        OperationCanceledException => new ProblemDetails
        {
            Status = 499,
            Title = "The request was cancelled.",
        },
        _ => new ProblemDetails
        {
            Status = StatusCodes.Status500InternalServerError,
            Title = "An unexpected error occurred.",
            Detail = "See the host log for details.",
        },
    };

    /// <summary>
    /// Minimal APIs report binding failures as text; the parameter (or JSON path) is pulled out of it
    /// so that the client still gets the field named, like any other validation error.
    /// </summary>
    private static HttpValidationProblemDetails BadRequest(BadHttpRequestException bad)
    {
        var field = bad.InnerException is JsonException { Path: { } path } && path.Length > 0
            ? FieldName(path.TrimStart('$', '.'))
            : ParameterName().Match(bad.Message) is { Success: true } m ? FieldName(m.Groups["name"].Value) : "request";
        if (field.Length == 0)
        {
            field = "body";
        }

        var detail = bad.InnerException is JsonException json ? $"{bad.Message} {json.Message}" : bad.Message;
        return new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [detail] })
        {
            Status = bad.StatusCode,
            Title = "The request is not valid.",
            Detail = detail,
        };
    }

    internal static string FieldName(string property) =>
        string.Join('.', property.Split('.', StringSplitOptions.RemoveEmptyEntries)
            .Select(part => part.Length == 0 ? part : char.ToLowerInvariant(part[0]) + part[1..]));

    [GeneratedRegex("""parameter "[^"]*?\s(?<name>[A-Za-z_][A-Za-z0-9_]*)"\s""")]
    private static partial Regex ParameterName();
}
