using Aibench.Shared.Persistence;
using Hangfire;

namespace Aibench.Host.Hosting;

/// <summary>
/// <c>/health</c>: the process answers (liveness). <c>/ready</c>: it can do its work — every module's database
/// answers with its migrations applied, and a Hangfire server is alive. Both are open without the token so that
/// scripts and schedulers can poll them; they reveal nothing but states.
/// </summary>
internal static class Probes
{
    public static void MapProbes(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", () => TypedResults.Ok(new { status = "healthy" }))
            .AllowAnonymous().ExcludeFromDescription();

        app.MapGet("/ready", async (IEnumerable<IModuleDatabase> databases, DatabaseSettings database, JobStorage jobs,
                TimeProvider time, CancellationToken ct) =>
            {
                var checks = new Dictionary<string, object>();
                var ready = true;

                var pending = new List<string>();
                string? databaseError = null;
                try
                {
                    foreach (var module in databases)
                    {
                        pending.AddRange((await module.PendingMigrationsAsync(ct)).Select(m => $"{module.Module}:{m}"));
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    databaseError = e.GetBaseException().Message;
                }

                ready &= databaseError is null && pending.Count == 0;
                checks["database"] = new { status = databaseError is null ? "ok" : "failing", provider = database.Provider.ToString().ToLowerInvariant(), error = databaseError };
                checks["migrations"] = new { status = databaseError is not null ? "unknown" : pending.Count == 0 ? "ok" : "pending", pending };

                int servers = 0;
                string? hangfireError = null;
                try
                {
                    var now = time.GetUtcNow().UtcDateTime;
                    servers = jobs.GetMonitoringApi().Servers()
                        .Count(s => s.Heartbeat is { } beat && now - beat < TimeSpan.FromMinutes(1));
                }
                catch (Exception e)
                {
                    hangfireError = e.GetBaseException().Message;
                }

                ready &= servers > 0;
                checks["hangfire"] = new { status = servers > 0 ? "ok" : "failing", servers, error = hangfireError };

                var body = new { status = ready ? "ready" : "not_ready", checks };
                return ready ? Results.Json(body) : Results.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
            })
            .AllowAnonymous().ExcludeFromDescription();
    }
}
