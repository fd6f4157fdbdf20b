using System.Net;
using AngleSharp.Dom;
using Aibench.Logs.Features;
using Aibench.Logs.Pages;
using Aibench.Logs.Persistence;
using Aibench.Logs.Tailing;
using Aibench.Tests.Infrastructure;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Aibench.Tests.Logs;

/// <summary>
/// The logs view and page rendered against the real host's mediator and database, and the download endpoint they link to.
/// Seeded lines belong to services the Server module does not know, so the host's tailing job leaves them alone.
/// </summary>
[Collection(nameof(HostCollection))]
public sealed class LogsPageTests : PageTest, IClassFixture<SqliteHost>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 3, 4, 5, TimeSpan.Zero);

    private readonly SqliteHost _host;

    public LogsPageTests(SqliteHost host)
    {
        _host = host;
        UseHost(host.Factory.Services);
    }

    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_services_lines_render_in_order_with_errors_and_warnings_highlighted_and_tracebacks_on_several_lines()
    {
        var service = Guid.NewGuid();
        await SeedAsync(service, MixedLines(service));

        var view = Render<LogView>(p => p.Add(v => v.Service, service));

        view.WaitForAssertion(() => Assert.Equal(4, Rows(view).Count), Patience);
        var rows = Rows(view);
        Assert.Equal(["normal", "warning", "error", "error"], rows.Select(r => r.GetAttribute("data-severity")));
        Assert.Contains("Loading model weights", rows[0].TextContent);
        Assert.Contains("node-a/0", rows[0].TextContent);
        Assert.Contains("border-left: 3px solid var(--mud-palette-error)", rows[2].GetAttribute("style"));
        Assert.Contains("var(--mud-palette-warning)", rows[1].GetAttribute("style"));
        Assert.DoesNotContain("palette-error", rows[0].GetAttribute("style"));
        Assert.Contains("Traceback (most recent call last):\n  File \"x.py\"", rows[2].TextContent);
        Assert.Equal($"/api/v1/logs/download?service={service}", view.Find("[data-testid=log-download]").GetAttribute("href"));
    }

    [Fact]
    public async Task The_level_filter_hides_lines_below_the_chosen_level_and_all_brings_them_back()
    {
        var service = Guid.NewGuid();
        await SeedAsync(service, MixedLines(service));
        var view = Render<LogView>(p => p.Add(v => v.Service, service));
        view.WaitForAssertion(() => Assert.Equal(4, Rows(view).Count), Patience);

        view.Find("[data-testid=level-error]").Click();

        // MudButton hands the click on asynchronously.
        view.WaitForAssertion(() => Assert.Equal(["error", "critical"], Rows(view).Select(r => r.GetAttribute("data-level"))), Patience);
        Assert.DoesNotContain("Loading model weights", view.Find("[data-testid=log-lines]").TextContent);

        view.Find("[data-testid=level-all]").Click();
        view.WaitForAssertion(() => Assert.Equal(4, Rows(view).Count), Patience);
    }

    [Fact]
    public async Task The_text_filter_keeps_lines_containing_the_text_whatever_its_case()
    {
        var service = Guid.NewGuid();
        await SeedAsync(service, MixedLines(service));
        var view = Render<LogView>(p => p.Add(v => v.Service, service));
        view.WaitForAssertion(() => Assert.Equal(4, Rows(view).Count), Patience);

        view.Find("[data-testid=log-text]").Input("cuda OUT of");

        view.WaitForAssertion(() => Assert.Equal(["error"], Rows(view).Select(r => r.GetAttribute("data-level"))), Patience);
    }

    [Fact]
    public async Task While_paused_new_lines_are_counted_but_not_shown_and_resume_shows_them()
    {
        var service = Guid.NewGuid();
        await SeedAsync(service, MixedLines(service));
        var view = Render<LogView>(p => p.Add(v => v.Service, service));
        view.WaitForAssertion(() => Assert.Equal(4, Rows(view).Count), Patience);

        view.Find("[data-testid=log-pause]").Click();
        view.WaitForElement("[data-testid=log-resume]", Patience);
        var broadcaster = _host.Factory.Services.GetRequiredService<LogBroadcaster>();
        broadcaster.Publish([new LogLineView(long.MaxValue - 1, service, null, "node-b", 1, "stdout", "info", T0.AddMinutes(1),
            "arrived while paused")]);

        view.WaitForAssertion(() => Assert.Contains("(1 new)", view.Find("[data-testid=log-resume]").TextContent), Patience);
        Assert.Equal(4, Rows(view).Count);

        view.Find("[data-testid=log-resume]").Click();
        view.WaitForAssertion(() => Assert.Equal(5, Rows(view).Count), Patience);
        Assert.Contains("arrived while paused", Rows(view)[^1].TextContent);
    }

    [Fact]
    public async Task An_experiment_shows_its_replicas_and_its_load_generator_workers_apart_and_a_benchmark_shows_its_workers()
    {
        Guid experiment = Guid.NewGuid(), service = Guid.NewGuid(), benchmark = Guid.NewGuid();
        await using (var db = await _host.Factory.Services.GetRequiredService<IDbContextFactory<LogsDbContext>>().CreateDbContextAsync(Ct))
        {
            db.Lines.AddRange(
                new LogLine { ServiceId = service, ExperimentId = experiment, Node = "node1", Task = 0, Stream = "stdout", Timestamp = T0,
                    Text = "replica up" },
                new LogLine { BenchmarkId = benchmark, ExperimentId = experiment, Node = "node2", Task = 0, Stream = "stdout",
                    Timestamp = T0.AddSeconds(1), Text = "worker up" });
            await db.SaveChangesAsync(Ct);
        }

        var view = Render<LogView>(p => p.Add(v => v.Experiment, experiment));
        view.WaitForAssertion(() => Assert.Equal(2, Rows(view).Count), Patience);
        Assert.Contains("node1/0", Rows(view)[0].TextContent);
        Assert.Contains("node2/w0", Rows(view)[1].TextContent);

        var workers = Render<LogView>(p => p.Add(v => v.Benchmark, benchmark));
        workers.WaitForAssertion(() => Assert.Equal(["worker up"], Rows(workers).Select(r => r.QuerySelectorAll("span")[^1].TextContent)), Patience);
        Assert.Equal($"/api/v1/logs/download?benchmark={benchmark}", workers.Find("[data-testid=log-download]").GetAttribute("href"));
        var file = await _host.Factory.Authorized().GetStringAsync($"/api/v1/logs/download?benchmark={benchmark}", Ct);
        Assert.EndsWith(" node2/w0 stdout - worker up\n", file, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_page_offers_the_services_that_have_lines()
    {
        var service = Guid.NewGuid();
        await SeedAsync(service, MixedLines(service));

        var page = Render<LogsPage>();

        page.WaitForAssertion(() => Assert.Contains(page.FindAll("[data-testid=log-service]"),
            s => s.TextContent.Contains($"service {service.ToString()[..8]}", StringComparison.Ordinal)
                && s.TextContent.Contains("4 lines", StringComparison.Ordinal)), Patience);
    }

    [Fact]
    public async Task The_page_shows_the_view_of_the_service_in_the_url()
    {
        var service = Guid.NewGuid();
        await SeedAsync(service, MixedLines(service));
        Services.GetRequiredService<NavigationManager>().NavigateTo($"/logs?service={service}");

        var page = Render<LogsPage>();

        page.WaitForAssertion(() => Assert.Equal(4, page.FindAll("[data-testid=log-line]").Count), Patience);
    }

    [Fact]
    public async Task The_download_holds_every_line_of_the_service_beyond_one_page_as_text()
    {
        var service = Guid.NewGuid();
        const int count = 5_120;
        await SeedAsync(service, Enumerable.Range(0, count).Select(i =>
            Line(service, "info", $"line {i}", node: "node-a", task: i % 2, at: T0.AddMilliseconds(i))));
        await SeedAsync(Guid.NewGuid(), [Line(Guid.NewGuid(), "info", "another service's line")]);

        using var response = await _host.Factory.Authorized().GetAsync($"/api/v1/logs/download?service={service}", Ct);

        response.EnsureSuccessStatusCode();
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"logs-{service}.txt", response.Content.Headers.ContentDisposition?.FileNameStar
            ?? response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var lines = (await response.Content.ReadAsStringAsync(Ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(count, lines.Length);
        Assert.Equal("2026-11-27T03:04:05.0000000Z node-a/0 stdout info line 0", lines[0]);
        Assert.Equal($"line {count - 1}", lines[^1][(lines[^1].LastIndexOf("line ", StringComparison.Ordinal))..]);
        Assert.DoesNotContain(lines, l => l.Contains("another service", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_download_without_service_or_experiment_is_refused_naming_the_field()
    {
        using var response = await _host.Factory.Authorized().GetAsync("/api/v1/logs/download", Ct);

        var problem = await Problem.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.NotEmpty(Problem.FieldErrors(problem, "service"));
    }

    private static List<IElement> Rows(IRenderedComponent<LogView> view) => [.. view.FindAll("[data-testid=log-line]")];

    private static LogLine[] MixedLines(Guid service) =>
    [
        Line(service, "info", "Loading model weights", node: "node-a", task: 0, at: T0),
        Line(service, "warning", "KV cache is nearly full", at: T0.AddSeconds(1)),
        Line(service, "error", "Traceback (most recent call last):\n  File \"x.py\", line 1\nRuntimeError: CUDA out of memory", stream: "stderr",
            at: T0.AddSeconds(2)),
        Line(service, "critical", "Engine died", stream: "stderr", at: T0.AddSeconds(3)),
    ];

    private static LogLine Line(Guid service, string? level, string text, string stream = "stdout", string? node = "node-a", int? task = 0,
        DateTimeOffset? at = null) =>
        new() { ServiceId = service, Node = node, Task = task, Stream = stream, Level = level, Timestamp = at ?? T0, Text = text };

    private async Task SeedAsync(Guid service, IEnumerable<LogLine> lines)
    {
        await using var db = await _host.Factory.Services.GetRequiredService<IDbContextFactory<LogsDbContext>>().CreateDbContextAsync(Ct);
        db.Lines.AddRange(lines.Select(l => { l.ServiceId = service; return l; }));
        await db.SaveChangesAsync(Ct);
    }
}
