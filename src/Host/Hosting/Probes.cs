using Aibench.Shared.Persistence;
using Aibench.Shared.Resilience;
using Hangfire;

namespace Aibench.Host.Hosting;

/// <summary>
/// <c>/health</c>: the process answers (liveness). <c>/ready</c>: it can do its work — every module's database
/// answers with its migrations applied, and a Hangfire server is alive. Both are open without the token so that
/// scripts and schedulers can poll them; they reveal nothing but states.
/// <para>
/// <c>/ready</c> also lists every circuit breaker (<c>checks.circuits</c>). An open circuit does not make the host
/// unready: the host still answers, keeps its state and serves what it has; the scheduler or endpoint behind the
/// circuit is what is down, and the host tries it again by itself. So the answer stays 200 with <c>"degraded": true</c>
/// and the open circuits named, while 503 keeps meaning "this host cannot work" (database, migrations, Hangfire).
/// </para>
/// </summary>
internal static class Probes
{
    public static void MapProbes(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", () => TypedResults.Ok(new { status = "healthy" }))
            .AllowAnonymous().ExcludeFromDescription();

        app.MapGet("/ready", async (IEnumerable<IModuleDatabase> databases, DatabaseSettings database, JobStorage jobs,
                CircuitBreakers breakers, TimeProvider time, CancellationToken ct) =>
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
                checks["database"] = new { status = databaseError is null ? "ok" : "failing",
                    provider = database.Provider.ToString().ToLowerInvariant(), error = databaseError };
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

                var circuits = breakers.Views();
                var open = circuits.Where(c => c.IsOpen).Select(c => c.Name).ToList();
                checks["circuits"] = new
                {
                    status = open.Count == 0 ? "ok" : "open",
                    open,
                    breakers = circuits.Select(c => new
                    {
                        c.Name, c.Kind, c.Target, c.State, c.Since, c.Failures, c.LastError, c.LastFailureAt, c.RetryAt, c.Opened, c.OpenedBy,
                            c.OpenedAfter, c.Detail,
                    }),
                };

                var body = new { status = ready ? "ready" : "not_ready", degraded = open.Count > 0, checks };
                return ready ? Results.Json(body) : Results.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
            })
            .AllowAnonymous().ExcludeFromDescription();
    }
}
