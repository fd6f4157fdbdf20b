using Aibench.Shared.Components.Charts;
using Aibench.Contracts.Experiments;
using Aibench.Contracts;
using AngleSharp.Dom;
using Aibench.Experiments.Features;
using Aibench.Experiments.Pages;
using Aibench.Experiments.Persistence;
using Aibench.Logs.Persistence;
using Aibench.Shared.Components;
using Aibench.Tests.Infrastructure;
using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Aibench.Tests.Experiments;

/// <summary>
/// The experiment page against the real host's mediator, feed and databases. Experiments are seeded in states the
/// workflow has finished with, or (for the cancel) in a stage it does not know, so that the background job leaves them
/// where the test put them until the page acts.
/// </summary>
[Collection(nameof(HostCollection))]
public sealed class ExperimentPageTests : PageTest, IClassFixture<SqliteHost>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    private readonly SqliteHost _host;

    public ExperimentPageTests(SqliteHost host)
    {
        _host = host;
        UseHost(host.Factory.Services);
    }

    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public void An_unknown_id_says_the_experiment_does_not_exist()
    {
        var page = Render<ExperimentPage>(p => p.Add(x => x.Id, Guid.NewGuid()));

        page.WaitForElement("[data-testid=not-found]", Patience);
        Assert.Contains("Experiment not found", page.Markup);
        Assert.Empty(page.FindAll("[data-testid=experiment-status]"));
    }

    [Fact]
    public async Task A_failed_experiment_shows_its_reason_with_a_link_to_its_logs_and_empty_charts_instead_of_errors()
    {
        var id = await SeedAsync("failed", "failed", "The service failed: vllm exited with code 1 (CUDA out of memory); see its logs.");
        await SeedLogAsync(id, "CUDA out of memory");

        var page = Render<ExperimentPage>(p => p.Add(x => x.Id, id));

        page.WaitForAssertion(() => Assert.Equal("failed", page.Find("[data-testid=experiment-status]").TextContent.Trim()), Patience);
        Assert.Equal("failed", page.Find("[data-testid=experiment-stage]").TextContent.Trim());
        var reason = page.Find("[data-testid=experiment-reason]");
        Assert.Contains("CUDA out of memory", reason.TextContent);
        Assert.Equal("#logs", page.Find("[data-testid=reason-logs]").GetAttribute("href"));
        // No benchmark ran: the charts say so, and there is nothing to download but the logs.
        Assert.Contains("No load yet", page.Find("[data-testid=chart-throughput]").TextContent);
        Assert.Contains("No load yet", page.Find("[data-testid=chart-latency]").TextContent);
        Assert.NotNull(page.Find("[data-testid=chart-server-metrics] [data-testid=chart-empty]"));
        Assert.Empty(page.FindAll("[data-testid=download-json]"));
        Assert.Equal($"/api/v1/logs/download?experiment={id}", page.Find("[data-testid=download-logs]").GetAttribute("href"));
        Assert.Empty(page.FindAll("[data-testid=cancel]"));
        // The Logs module's own live view, through the slot, filtered to the experiment.
        page.WaitForAssertion(() => Assert.Contains("CUDA out of memory", page.Find("[data-testid=logs] [data-testid=log-line]").TextContent),
            Patience);
        Assert.Empty(page.FindAll("[data-testid=summary]"));
    }

    [Fact]
    public async Task A_cancelled_experiment_shows_what_it_measured_marked_partial_with_its_verdict_and_downloads()
    {
        var benchmark = Guid.NewGuid();
        var overall = new Aibench.Contracts.Client.BenchmarkStepResult("concurrency 4", 4, null, null, 12.5, 240, 2, 19.2, 153.6, 41, 120, 12, 230,
            410, 0.97);
        var result = new Aibench.Experiments.Planning.ExperimentResult(benchmark, Aibench.Contracts.Client.BenchmarkStatus.Partial, true, null,
            overall, [overall],
            new Aibench.Experiments.Planning.SloVerdict(true, 0.97, 0.9, 0.008, 0.05, "passed: 97.0 % of requests met the objectives (needed 90 %)"),
                null, null);
        var id = await SeedAsync("cancelled", "cancelled", "Cancelled on request during loading; 240 requests measured.", benchmark,
            Aibench.Experiments.Jobs.ExperimentWorkflow.ToJson(result));

        var page = Render<ExperimentPage>(p => p.Add(x => x.Id, id));

        page.WaitForAssertion(() => Assert.Equal("cancelled", page.Find("[data-testid=experiment-status]").TextContent.Trim()), Patience);
        Assert.Contains("only the part that ran", page.Find("[data-testid=experiment-reason]").TextContent);
        Assert.NotNull(page.Find("[data-testid=partial]"));
        Assert.Equal("true", page.Find("[data-testid=summary]").GetAttribute("data-partial"));
        var row = page.Find("[data-testid=summary-row]");
        Assert.Contains("240", row.TextContent);
        Assert.Contains("153.6", row.TextContent);
        Assert.Equal("true", page.Find("[data-testid=slo-verdict]").GetAttribute("data-passed"));
        Assert.Equal($"/api/v1/benchmarks/{benchmark}/export?format=json", page.Find("[data-testid=download-json]").GetAttribute("href"));
        Assert.Equal($"/api/v1/benchmarks/{benchmark}/export?format=csv", page.Find("[data-testid=download-csv]").GetAttribute("href"));
        // The Client module has no series for this run: an empty state, not an error.
        Assert.Contains("No load yet", page.Find("[data-testid=chart-throughput]").TextContent);
        Assert.Empty(page.FindAll("[data-testid=load-error]"));
    }

    [Fact]
    public async Task Cancel_asks_for_confirmation_first_and_sends_the_cancel_only_once_confirmed()
    {
        var id = await SeedAsync("deploying", "running", null);
        var dialogs = Render<MudDialogProvider>();
        var page = Render<ExperimentPage>(p => p.Add(x => x.Id, id));
        page.WaitForAssertion(() => Assert.Equal("running", page.Find("[data-testid=experiment-status]").TextContent.Trim()), Patience);

        page.Find("[data-testid=cancel]").Click();
        dialogs.WaitForElement("[data-testid=keep-running]", Patience).Click();
        dialogs.WaitForAssertion(() => Assert.Empty(dialogs.FindAll("[data-testid=confirm-cancel]")), Patience);
        Assert.False(await CancelRequestedAsync(id));

        page.Find("[data-testid=cancel]").Click();
        dialogs.WaitForElement("[data-testid=confirm-cancel]", Patience).Click();

        // The workflow stops it and publishes the change; the page follows without being rendered again.
        page.WaitForAssertion(() => Assert.Equal("cancelled", page.Find("[data-testid=experiment-status]").TextContent.Trim()), Patience);
        Assert.True(await CancelRequestedAsync(id));
        Assert.Empty(page.FindAll("[data-testid=cancel]"));
    }

    [Fact]
    public async Task A_progress_report_on_the_feed_shows_in_the_live_numbers_without_navigating()
    {
        var load = Guid.NewGuid();
        var id = await SeedAsync("deploying", "running", null, benchmark: load);
        var page = Render<ExperimentPage>(p => p.Add(x => x.Id, id));
        page.WaitForAssertion(() => Assert.Contains("once the load starts", page.Find("[data-testid=live-progress]").TextContent), Patience);

        // Another run's numbers (the warm-up's, still on the feed) do not pass for the measured load's.
        var feed = _host.Factory.Services.GetRequiredService<ExperimentFeed>();
        feed.Report(new Aibench.Contracts.Client.BenchmarkProgressed(Guid.NewGuid(), id, 10, 1, 1, "concurrency 1", 96, 80, 0, 16, 16, 1171, 20));
        page.WaitForAssertion(() => Assert.DoesNotContain("No load yet", page.Find("[data-testid=chart-throughput]").TextContent), Patience);
        Assert.Contains("once the load starts", page.Find("[data-testid=live-progress]").TextContent);

        feed.Report(new Aibench.Contracts.Client.BenchmarkProgressed(load, id, 12.5, 1, 1, "concurrency 4", 987_654, 900_001, 3, 4, 21.5, 172, 35));

        page.WaitForAssertion(() => Assert.Equal("987,654", page.Find("[data-testid=progress-sent]").TextContent.Trim()), Patience);
        Assert.Equal("900,001", page.Find("[data-testid=progress-completed]").TextContent.Trim());
        Assert.Equal("3", page.Find("[data-testid=progress-errors]").TextContent.Trim());
        Assert.Equal("4", page.Find("[data-testid=progress-in-flight]").TextContent.Trim());
        Assert.DoesNotContain("No load yet", page.Find("[data-testid=chart-throughput]").TextContent);
    }

    [Fact]
    public void The_time_grid_averages_a_few_thousand_points_down_to_a_few_hundred_and_joins_sparse_lines_across_it()
    {
        var t0 = new DateTimeOffset(2026, 11, 27, 6, 0, 0, TimeSpan.Zero);
        var dense = new TimeLine("dense", [.. Enumerable.Range(0, 5_000).Select(i => new TimePoint(t0.AddSeconds(i), i % 10))]);
        var sparse = new TimeLine("sparse", [new TimePoint(t0, 1), new TimePoint(t0.AddSeconds(4_999), 3)]);

        var chart = TimeChart.Build([dense, sparse], new ChartAxis("value"));

        var steps = chart.Lines[0].Points.Count;
        Assert.InRange(steps, 2, TimeChart.MaxPoints + 1);
        Assert.All(chart.Lines[0].Points, p => Assert.InRange(p.Y!.Value, 0, 9));
        // 5,000 s over 240 buckets: 21 s each, averaged, each bucket at its start.
        Assert.Equal(Math.Round(Enumerable.Range(0, 21).Average(i => i % 10), 3), chart.Lines[0].Points[0].Y);
        Assert.Equal(t0.ToUnixTimeSeconds() + 21, chart.Lines[0].Points[1].X);
        Assert.Equal(1, chart.Lines[1].Points[0].Y);
        Assert.All(chart.Lines, l => Assert.Equal(steps, l.Points.Count));
        // Two points far apart are joined, not left as two dots.
        Assert.Equal(2, chart.Lines[1].Points[steps / 2].Y!.Value, 0.1);
        Assert.True(TimeChart.Build([new TimeLine("none", [])], new ChartAxis("value")).IsEmpty);
    }

    /// <summary>
    /// An experiment as the workflow leaves it. A running one is seeded deploying, just created and without a service:
    /// the recurring experiments:advance then leaves it alone for the deploy grace (2 min), where one in a later stage
    /// without its service would be failed within a poll (and was, racing the test).
    /// </summary>
    private async Task<Guid> SeedAsync(string stage, string status, string? reason, Guid? benchmark = null, string? result = null)
    {
        Assert.True(status != "running" || stage == "deploying", "a running experiment is seeded deploying");
        var id = Guid.NewGuid();
        var now = DateTimeOffset.UtcNow;
        var created = status == "running" ? now : now.AddMinutes(-2);
        await using var db = await _host.Factory.Services.GetRequiredService<IDbContextFactory<ExperimentsDbContext>>().CreateDbContextAsync(Ct);
        db.Experiments.Add(new Experiment
        {
            Id = id, Name = $"page-{stage}", Recipe = "vllm-sim", Nodes = 1, TestType = "throughput", DurationSeconds = 60,
            Stage = WireNames.Parse<ExperimentStage>(stage), Status = WireNames.Parse<ExperimentStatus>(status), Reason = reason,
                BenchmarkId = benchmark, Result = result, CreatedAt = created, UpdatedAt = now,
            FinishedAt = status == "running" ? null : now,
            Stages = status == "running"
                ? [new ExperimentStageRecord { Stage = ExperimentStage.Deploying, StartedAt = now }]
                :
                [
                    new ExperimentStageRecord { Stage = ExperimentStage.Deploying, StartedAt = now.AddMinutes(-2), EndedAt = now.AddMinutes(-1),
                        Note = reason },
                    new ExperimentStageRecord { Stage = WireNames.Parse<ExperimentStage>(stage), StartedAt = now.AddMinutes(-1), EndedAt = now },
                ],
        });
        await db.SaveChangesAsync(Ct);
        return id;
    }

    private async Task SeedLogAsync(Guid experiment, string text)
    {
        await using var db = await _host.Factory.Services.GetRequiredService<IDbContextFactory<LogsDbContext>>().CreateDbContextAsync(Ct);
        db.Lines.Add(new LogLine { ExperimentId = experiment, ServiceId = Guid.NewGuid(), Node = "node-a", Task = 0, Stream = "stderr",
            Level = "error", Timestamp = DateTimeOffset.UtcNow, Text = text });
        await db.SaveChangesAsync(Ct);
    }

    private async Task<bool> CancelRequestedAsync(Guid id)
    {
        await using var db = await _host.Factory.Services.GetRequiredService<IDbContextFactory<ExperimentsDbContext>>().CreateDbContextAsync(Ct);
        return await db.Experiments.Where(e => e.Id == id).Select(e => e.CancelRequested).SingleAsync(Ct);
    }
}
