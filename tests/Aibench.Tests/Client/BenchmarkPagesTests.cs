using System.Text.Json;
using AngleSharp.Dom;
using Aibench.Client.Features;
using Aibench.Client.LoadGen;
using Aibench.Client.Pages;
using Aibench.Client.Persistence;
using Aibench.Contracts.Client;
using Aibench.Tests.Infrastructure;
using static Aibench.Tests.Infrastructure.MudFields;
using Bunit;
using Mediator;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Aibench.Tests.Client;

/// <summary>
/// The benchmark pages rendered against the real host's mediator and database: what they show is what the REST API
/// would answer, and what they send goes through the same validation.
/// </summary>
[Collection(nameof(HostCollection))]
public sealed class BenchmarkPagesTests : PageTest, IClassFixture<SqliteHost>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly SqliteHost _host;

    public BenchmarkPagesTests(SqliteHost host)
    {
        _host = host;
        UseHost(host.Factory.Services);
    }

    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_list_shows_each_runs_headline_numbers_and_links_to_its_details()
    {
        var fast = await SeedAsync(new BenchmarkRun
        {
            Name = "fast-run", Status = BenchmarkStatus.Completed, Target = "http://node1:8000/", Model = "llama-3-8b",
            Completed = 980, Failed = 20, RequestThroughput = 12.34, OutputTokenThroughput = 1579.5,
            TtftP50Ms = 45.6, TtftP99Ms = 210.4, E2eP50Ms = 1234.5, Spec = "{}",
        });
        var broken = await SeedAsync(new BenchmarkRun
        {
            Name = "broken-run", Status = BenchmarkStatus.Failed, Target = "http://node2:8000/", Error = "connection refused", Spec = "{}",
        });

        var page = Render<BenchmarksPage>();

        page.WaitForAssertion(() => Assert.NotNull(Row(page, "fast-run")), Patience);
        var row = Row(page, "fast-run")!;
        var text = row.TextContent;
        foreach (var expected in new[] { "completed", "http://node1:8000/", "llama-3-8b", "980", "20", "12.34", "1,579.5", "45.6", "210.4", "1,234" })
        {
            Assert.Contains(expected, text);
        }

        Assert.Equal($"/benchmarks/{fast}", row.QuerySelector("a")!.GetAttribute("href"));

        var failed = Row(page, "broken-run")!;
        Assert.Contains("failed", failed.TextContent);
        Assert.Contains("connection refused", failed.TextContent);
        Assert.Equal($"/benchmarks/{broken}", failed.QuerySelector("a")!.GetAttribute("href"));
    }

    [Fact]
    public async Task A_completed_run_shows_its_summary_latency_table_errors_and_export_links()
    {
        var id = await SeedAsync(CompletedRun("summarised-run"));

        var page = Render<BenchmarkDetailPage>(p => p.Add(x => x.Id, id));

        page.WaitForAssertion(() => page.Find("[data-testid=summary-table]"), Patience);
        Assert.Equal("summarised-run", page.Find("[data-testid=benchmark-name]").TextContent.Trim());
        Assert.Equal("completed", page.Find("[data-testid=benchmark-status]").TextContent.Trim());
        Assert.Empty(page.FindAll("[data-testid=cancel-benchmark]"));

        var summary = page.Find("[data-testid=summary-table]").TextContent;
        foreach (var expected in new[] { "1,000 sent", "990 completed", "10 failed", "16.5", "req/s", "2,112.3", "4.8 / 5", "8.25 req/s", "82.5 %",
                     "o200k, not the served model's tokenizer: prompt lengths are approximate",
                         "no server tokenizer (POST http://node1:8000/tokenize answered 404)" })
        {
            Assert.Contains(expected, summary);
        }

        // The client envelope panel: the verdict with its reason, the envelope's figures and the warm-up.
        Assert.Equal("client-limited", page.Find("[data-testid=client-limited]").TextContent.Trim());
        Assert.Contains("93 % of its 2 cores", page.Find("[data-testid=client-limit-reasons]").TextContent);
        var envelope = page.Find("[data-testid=envelope-table]").TextContent;
        Assert.Contains("0.84", envelope);
        Assert.Contains("TTFT floor p50 / p99", envelope);
        Assert.Contains("2 uncounted requests", page.Find("[data-testid=client-warmup]").TextContent);

        var latency = page.Find("[data-testid=latency-table]");
        var rows = latency.QuerySelectorAll("tbody tr").Select(r => r.QuerySelectorAll("td").Select(c => c.TextContent.Trim()).ToList()).ToList();
        Assert.Equal(["TTFT", "TPOT", "ITL", "E2E", "Schedule lag"], rows.Select(r => r[0]));
        Assert.Equal(["TTFT", "990", "52.5", "48", "80", "95", "140.2", "301.7", "412"], rows[0]);
        Assert.Equal(["E2E", "990", "2,048", "1,950", "2,600", "2,800", "3,300", "3,900", "4,100"], rows[3]);

        var errors = page.Find("[data-testid=errors-table]").TextContent;
        Assert.Contains("http_503", errors);
        Assert.Contains("Service Unavailable: engine overloaded", errors);

        Assert.Equal(
            [$"/api/v1/benchmarks/{id}/export?format=json", $"/api/v1/benchmarks/{id}/export?format=csv",
                $"/api/v1/benchmarks/{id}/export?format=jsonl"],
            new[] { "json", "csv", "jsonl" }.Select(f => page.Find($"[data-testid=export-{f}]").GetAttribute("href")));
        Assert.NotEmpty(page.FindAll("[data-testid=requests-chart]"));
    }

    [Fact]
    public void An_unknown_run_gets_a_not_found_message()
    {
        var page = Render<BenchmarkDetailPage>(p => p.Add(x => x.Id, Guid.NewGuid()));

        page.WaitForAssertion(() => Assert.Contains("Benchmark not found", page.Markup), Patience);
    }

    [Fact]
    public async Task A_rate_of_zero_is_refused_with_the_field_named_and_nothing_is_started()
    {
        var name = $"refused-{Guid.NewGuid():N}";
        var started = new List<Guid>();
        var form = Render<BenchmarkForm>(p => p
            .Add(f => f.Initial, new BenchmarkSpec(Name: name, Urls: ["http://127.0.0.1:9"], Load: new LoadShape("rate", Rate: 5), Duration: "10s"))
            .Add(f => f.Started, (Guid id) => started.Add(id)));

        Input(form, "rate").Change("0");
        form.Find("[data-testid=start-benchmark]").Click();

        form.WaitForAssertion(() => form.Find("[data-testid=form-errors]"), Patience);
        var listed = form.FindAll("[data-testid=form-errors] li");
        Assert.Equal(["load.rate"], listed.Select(li => li.GetAttribute("data-field")));
        Assert.Contains("load.rate must be above 0", listed[0].TextContent);
        Assert.Contains("load.rate must be above 0", form.Find("[data-testid=rate]").Closest(".mud-input-control")!.TextContent);
        Assert.Empty(started);
        var runs = await _host.Factory.Services.GetRequiredService<ISender>().Send(new ListBenchmarks(), Ct);
        Assert.DoesNotContain(runs, r => r.Name == name);
    }

    [Fact]
    public void Starting_a_run_from_the_list_page_opens_its_detail_page()
    {
        var navigation = Services.GetRequiredService<NavigationManager>();
        var page = Render<BenchmarksPage>();
        page.Find("[data-testid=new-benchmark]").Click();

        Input(page, "urls").Change("http://127.0.0.1:9");
        page.Find("[data-testid=start-benchmark]").Click();

        page.WaitForAssertion(() => Assert.Matches("/benchmarks/[0-9a-f-]{36}$", navigation.Uri), Patience);
    }

    private static IElement? Row(IRenderedComponent<BenchmarksPage> page, string name) =>
        page.FindAll("[data-testid=benchmarks-table] tbody tr").FirstOrDefault(r => r.QuerySelector("a")?.TextContent.Trim() == name);

    private async Task<Guid> SeedAsync(BenchmarkRun run)
    {
        run.Id = Guid.NewGuid();
        run.CreatedAt = DateTimeOffset.UtcNow;
        await using var db = await _host.Factory.Services.GetRequiredService<IDbContextFactory<ClientDbContext>>().CreateDbContextAsync(Ct);
        db.Benchmarks.Add(run);
        await db.SaveChangesAsync(Ct);
        return run.Id;
    }

    [Theory]
    [InlineData("server:/tokenize", "the server's /tokenize (the served model's own tokenizer)", false)]
    [InlineData("file:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "tokenizer file, sha256 0123456789ab…", false)]
    [InlineData("o200k", "o200k, not the served model's tokenizer: prompt lengths are approximate", true)]
    [InlineData("o200k (client side)", "o200k, not the served model's tokenizer: prompt lengths are approximate", true)]
    public void The_tokenizer_is_named_and_o200k_is_flagged_as_approximate(string counter, string label, bool approximate)
    {
        Assert.Equal(label, TokenizerLabel.Of(counter));
        Assert.Equal(approximate, TokenizerLabel.Approximate(counter));
    }

    private static BenchmarkRun CompletedRun(string name)
    {
        var spec = new BenchmarkSpec(Name: name, Urls: ["http://node1:8000"], Model: "llama-3-8b",
            Load: new LoadShape("rate", Rate: 5), Duration: "60s", Slo: new SloSpec(Ttft: "200ms"));
        var tokens = new TokenTotals(50_688, 126_720, 990, 50_688, 50_700, 126_720, 126_800, 0.024, 0.063);
        var overall = new StepResult(0, "5 req/s", null, 5, 4.8, 60, 1000, 990, 10, 0, 0,
            16.5, 844.8, 2112.3, 2957.1, 2400, 8.25, 0.825,
            new Stats(990, 52.5, 20, 10, 412, 48, 80, 95, 140.2, 301.7),
            new Stats(990, 15.2, 2, 10, 30, 15, 17, 18, 20, 25),
            new Stats(125_000, 15.1, 3, 0.1, 90, 15, 18, 19, 25, 40),
            new Stats(990, 2048, 400, 900, 4100, 1950, 2600, 2800, 3300, 3900),
            new Stats(1000, 0.05, 0.01, 0.01, 1.2, 0.04, 0.08, 0.1, 0.3, 0.9),
            null, tokens, new Dictionary<string, long> { ["http_503"] = 10 }, 9.8, 14);
        var summary = new RunSummary("duration", false, DateTimeOffset.UtcNow, 61.2, overall, [overall],
            new Dictionary<string, string> { ["http_503"] = "Service Unavailable: engine overloaded" }, "o200k")
        {
            TokenizerNote = "no server tokenizer (POST http://node1:8000/tokenize answered 404) and no tokenizer file",
            Envelope = new ClientEnvelope("measured", Shape: "5 req/s", ConfiguredSeconds: 3, DurationSeconds: 4.2, TargetRate: 5, AchievedRate: 4.2,
                AchievedRatio: 0.84, ScheduleLagP50Ms: 0.05, ScheduleLagP99Ms: 0.4, TtftP50Ms: 1.2, TtftP99Ms: 3.4, ItlP50Ms: 0.01, ItlP99Ms: 0.05,
                CpuFraction: 0.2, Cores: 2, Requests: 12),
            ClientWarmup = new ClientWarmup(2, 2, 1, 0, 0.05, true),
            ClientCpu = 0.93,
            ClientLimited = true,
            ClientLimitReasons = ["the client process used 93 % of its 2 cores (≥ 90 %)"],
        };
        var series = Enumerable.Range(0, 60).Select(t => new SecondPoint(t, 5, 5, 0, 256, 640, 12, 50 + t, 2000 + t)).ToList();
        return new BenchmarkRun
        {
            Name = name, Status = BenchmarkStatus.Completed, Target = "http://node1:8000/", Model = "llama-3-8b",
            Dataset = "random:input=512,output=128", Spec = JsonSerializer.Serialize(spec, Json.Options),
            Summary = JsonSerializer.Serialize(summary, Json.Options), Series = JsonSerializer.Serialize(series, Json.Options),
            StartedAt = DateTimeOffset.UtcNow, FinishedAt = DateTimeOffset.UtcNow,
            Completed = 990, Failed = 10, RequestThroughput = 16.5, OutputTokenThroughput = 2112.3,
            TtftP50Ms = 48, TtftP99Ms = 140.2, E2eP50Ms = 1950,
        };
    }
}
