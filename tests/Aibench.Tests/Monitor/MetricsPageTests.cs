using System.Text.Json;
using AngleSharp.Dom;
using Aibench.Monitor.Jobs;
using Aibench.Monitor.Pages;
using Aibench.Monitor.Persistence;
using Aibench.Tests.Infrastructure;
using Bunit;
using Hangfire;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Aibench.Tests.Monitor;

/// <summary>
/// The metrics page rendered against the real host's mediator and database: the charts and the targets table show
/// what <c>/api/v1/metrics/series</c> and <c>/api/v1/metrics/scrapes</c> would answer for the seeded rows.
/// </summary>
[Collection(nameof(HostCollection))]
public sealed class MetricsPageTests : PageTest, IClassFixture<SqliteHost>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly SqliteHost _host;

    public MetricsPageTests(SqliteHost host)
    {
        _host = host;
        // Every scrape forgets targets that are not current, seeded ones included; this class's host needs none.
        host.Factory.Services.GetRequiredService<IRecurringJobManager>().RemoveIfExists(ScrapeJob.RecurringId);
        UseHost(host.Factory.Services);
    }

    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    /// <summary>
    /// Removing the recurring scrape stops new ones, but one the host had already queued or started still runs and forgets
    /// the targets seeded meanwhile (seen failing 1 run in 4): seeding waits until none is queued, running or retrying.
    /// </summary>
    private async Task NoScrapeUnderWayAsync()
    {
        var api = _host.Factory.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
        bool Scrape(Hangfire.Common.Job? job) => job?.Type == typeof(ScrapeJob);
        bool UnderWay() => api.ProcessingJobs(0, 1000).Any(j => Scrape(j.Value.Job))
            || api.ScheduledJobs(0, 1000).Any(j => Scrape(j.Value.Job))
            || api.Queues().Any(q => api.EnqueuedJobs(q.Name, 0, 1000).Any(j => Scrape(j.Value.Job)));
        var until = DateTime.UtcNow.AddSeconds(60);
        // Twice quiet, a second apart: a trigger read just before the removal may still be on its way to the queue.
        for (var quiet = 0; quiet < 2 && DateTime.UtcNow < until;)
        {
            quiet = UnderWay() ? 0 : quiet + 1;
            await Task.Delay(TimeSpan.FromSeconds(quiet == 0 ? 0.1 : 1), Ct);
        }
    }

    [Fact]
    public async Task A_down_target_is_listed_as_down_with_its_error_next_to_an_up_one()
    {
        var service = Guid.NewGuid();
        var now = DateTimeOffset.UtcNow;
        await SeedAsync(db => db.Targets.AddRange(
            new ScrapeTarget
            {
                Key = $"service/{service}/service/0", Kind = "service", Url = "http://node-down:8000/metrics", ServiceId = service, Replica = 0,
                Node = "node-down", Up = false, LastScrapeAt = now, LastDurationMs = 3000, LastError = "no answer within 3s",
            },
            new ScrapeTarget
            {
                Key = $"service/{service}/node/0", Kind = "node", Url = "http://node-down:9100/metrics", ServiceId = service, Replica = 0,
                Node = "node-down", Up = true, LastScrapeAt = now, LastDurationMs = 12.5, LastSamples = 812, LastMalformed = 2,
            }));

        var page = Render<MetricsPage>();

        page.WaitForAssertion(() => Assert.NotNull(Row(page, "http://node-down:8000/metrics")), Patience);
        var down = Row(page, "http://node-down:8000/metrics")!;
        Assert.Equal("down", down.QuerySelector("[data-testid=target-state]")!.TextContent.Trim());
        Assert.Equal("no answer within 3s", down.QuerySelector("[data-testid=target-error]")!.TextContent.Trim());
        Assert.Contains("node-down", down.TextContent);
        Assert.Contains("3000 ms", down.TextContent);

        var up = Row(page, "http://node-down:9100/metrics")!;
        Assert.Equal("up", up.QuerySelector("[data-testid=target-state]")!.TextContent.Trim());
        Assert.Equal("", up.QuerySelector("[data-testid=target-error]")!.TextContent.Trim());
        Assert.Contains("812", up.TextContent);
        Assert.Contains("node", up.TextContent);
    }

    [Fact]
    public async Task A_service_with_running_request_samples_gets_that_chart_and_a_no_samples_note_where_nothing_was_scraped()
    {
        var service = Guid.NewGuid();
        var now = DateTimeOffset.UtcNow;
        await SeedAsync(db =>
        {
            foreach (var replica in new[] { "0", "1" })
            {
                db.Series.Add(new MetricSeries
                {
                    ServiceId = service, Name = "vllm:num_requests_running",
                    Labels = $"{{job=\"service\",model_name=\"llama\",node=\"gpu0{replica}\",replica=\"{replica}\"}}",
                    Samples = [.. Enumerable.Range(0, 13).Select(i
                        => new MetricSample { TimestampMs = now.AddSeconds(-5 * i).ToUnixTimeMilliseconds(), Value = i % 4 })],
                });
            }
        });
        Services.GetRequiredService<NavigationManager>().NavigateTo($"/monitor?service={service}");

        var page = Render<MetricsPage>();

        page.WaitForAssertion(() => page.Find("[data-testid=preset-vllm-requests] [data-testid=chart-vllm-requests]"), Patience);
        var perReplica = page.Find("[data-testid=preset-vllm-requests-replica]");
        Assert.NotNull(perReplica.QuerySelector("[data-testid=chart-vllm-requests-replica]"));
        // The legend tells the replicas apart by where they run; job and the model every line shares are left out.
        Assert.Contains("running replica=0 node=gpu00", perReplica.TextContent);
        Assert.Contains("running replica=1 node=gpu01", perReplica.TextContent);
        Assert.DoesNotContain("job=", perReplica.TextContent);
        Assert.DoesNotContain("model_name", perReplica.TextContent);

        var kvCache = page.Find("[data-testid=preset-vllm-kv-cache]");
        Assert.NotNull(kvCache.QuerySelector("[data-testid=no-samples]"));
        Assert.Null(kvCache.QuerySelector("[data-testid=chart-vllm-kv-cache]"));
        Assert.Contains("Service", page.Markup);
    }

    [Fact]
    public async Task The_grafana_dashboard_endpoint_serves_json_whose_panels_compute_quantiles_from_buckets()
    {
        using var response = await _host.Factory.Authorized().GetAsync("/api/v1/metrics/grafana-dashboard", Ct);

        response.EnsureSuccessStatusCode();
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var dashboard = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var panels = dashboard.RootElement.GetProperty("panels");
        Assert.Equal(JsonValueKind.Array, panels.ValueKind);
        var expressions = Panels(panels)
            .Where(p => p.TryGetProperty("targets", out _))
            .SelectMany(p => p.GetProperty("targets").EnumerateArray())
            .Select(t => t.GetProperty("expr").GetString()!)
            .ToList();
        Assert.Contains(expressions, e => e.Contains("histogram_quantile(0.99, sum by (le) (rate(vllm:time_to_first_token_seconds_bucket",
            StringComparison.Ordinal));
        Assert.Contains(expressions, e => e.Contains("aibench_benchmark_ttft_seconds_bucket", StringComparison.Ordinal));
    }

    // Rows may hold their panels when collapsed.
    private static IEnumerable<JsonElement> Panels(JsonElement panels) =>
        panels.EnumerateArray().SelectMany(p => p.TryGetProperty("panels", out var inner) ? Panels(inner).Prepend(p) : [p]);

    private static IElement? Row(IRenderedComponent<MetricsPage> page, string url) =>
        page.FindAll("[data-testid=targets-table] tbody tr").FirstOrDefault(r => r.TextContent.Contains(url, StringComparison.Ordinal));

    private async Task SeedAsync(Action<MonitorDbContext> seed)
    {
        await NoScrapeUnderWayAsync();
        await using var db = await _host.Factory.Services.GetRequiredService<IDbContextFactory<MonitorDbContext>>().CreateDbContextAsync(Ct);
        seed(db);
        await db.SaveChangesAsync(Ct);
    }
}
