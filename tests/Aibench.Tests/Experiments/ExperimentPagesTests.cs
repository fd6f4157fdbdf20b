// Long file: the start form, the list and the compare page are tested against one seeded host (the class fixture); a split
// by page would start that host three times.
using System.Text.Json;
using Aibench.Client.LoadGen;
using Aibench.Client.Persistence;
using Aibench.Contracts;
using Aibench.Contracts.Client;
using Aibench.Contracts.Experiments;
using Aibench.Experiments.Features;
using Aibench.Experiments.Jobs;
using Aibench.Experiments.Pages;
using Aibench.Experiments.Persistence;
using Aibench.Experiments.Planning;
using Aibench.Tests.Infrastructure;
using AngleSharp.Dom;
using static Aibench.Tests.Infrastructure.MudFields;
using Bunit;
using Mediator;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Aibench.Tests.Experiments;

/// <summary>
/// The start form, the list and the compare page rendered against a real host (local scheduler, the vllm-sim recipe):
/// what they show is what the API answers, and what they send goes through the same validation.
/// </summary>
[Collection(nameof(HostCollection))]
public sealed class ExperimentPagesTests : PageTest, IClassFixture<SqliteExperimentHost>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    private readonly SqliteExperimentHost _host;

    public ExperimentPagesTests(SqliteExperimentHost host)
    {
        _host = host;
        UseHost(Host);
    }

    private IServiceProvider Host => _host.Host.Factory.Services;

    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public void Start_form_defaults_to_the_simulator_and_previews_what_it_will_submit()
    {
        var form = RenderForm();

        Assert.Equal("vllm-sim", form.Find("[data-testid=recipe]").TextContent.Trim());
        Assert.Equal("1m", Input(form, "duration").GetAttribute("value"));
        var preview = form.Find("[data-testid=preview]").TextContent;
        Assert.Contains("1 node", preview);
        Assert.Contains("closed loop", preview);
        Assert.Contains("1:00 measured", preview.Replace("60 s", "1:00"));
        Assert.Matches(@"\d+ min", form.Find("[data-testid=preview-time-limit]").TextContent);
    }

    [Fact]
    public void Start_form_preview_follows_a_change_of_nodes_and_duration()
    {
        var form = RenderForm();

        Input(form, "nodes").Input("2");
        Input(form, "duration").Input("3m");

        form.WaitForAssertion(() =>
        {
            Assert.Contains("2 nodes", form.Find("[data-testid=preview-resources]").TextContent);
            Assert.Contains("3:00 measured", form.Find("[data-testid=preview-duration]").TextContent);
            // The throughput preset scales with the replicas: 64 in flight per node.
            Assert.Contains("128 in flight", form.Find("[data-testid=preview-load]").TextContent);
        }, Patience);
    }

    [Fact]
    public void Start_form_shows_a_bad_duration_next_to_the_duration_field()
    {
        var form = RenderForm();

        Input(form, "duration").Input("soon");

        form.WaitForAssertion(() => Assert.Contains("'duration' must be a duration", Field(form, "duration").TextContent), Patience);
        Assert.DoesNotContain("'duration'", Field(form, "nodes").TextContent);
        Assert.Empty(form.FindAll("[data-testid=preview-resources]"));
    }

    [Fact]
    public void Start_form_shows_a_load_option_error_next_to_its_field_in_the_opened_advanced_section()
    {
        var form = RenderForm();
        form.Find("[data-testid=advanced]").Click();

        Input(form, "load-concurrency").Input("0");

        form.WaitForAssertion(() => Assert.Contains("must be", Field(form, "load-concurrency").TextContent), Patience);
        Assert.Equal("true", form.Find("[data-testid=advanced]").GetAttribute("aria-expanded"));
        Assert.Empty(form.FindAll("[data-testid=form-error]"));
    }

    [Fact]
    public async Task Start_creates_the_experiment_and_opens_its_page()
    {
        var form = RenderForm();
        Input(form, "duration").Input("5s");
        form.WaitForAssertion(() => Assert.Contains("5 s measured", form.Find("[data-testid=preview-duration]").TextContent), Patience);

        var created = await StartAndReadBackAsync(form);

        Assert.Equal(("vllm-sim", "throughput", 5), (created.Experiment.Recipe, created.Experiment.TestType, created.Experiment.DurationSeconds));
    }

    [Fact]
    public async Task Start_form_sends_the_load_from_slurm_workers_and_shows_a_bad_worker_count_at_its_field()
    {
        var form = RenderForm();
        form.Find("[data-testid=advanced]").Click();
        Assert.Equal("this host", form.Find("[data-testid=preview-placement]").TextContent.Trim());
        var placement = form.FindComponents<MudSelect<string>>().Single(s => s.Instance.UserAttributes.TryGetValue("data-testid", out var t)
            && (string?)t == "load-placement");
        await form.InvokeAsync(() => placement.Instance.ValueChanged.InvokeAsync("slurm"));

        Input(form, "load-placement-nodes").Input("0");
        form.WaitForAssertion(() => Assert.Contains("placement.nodes must be between 1", Field(form, "load-placement-nodes").TextContent), Patience);

        Input(form, "load-placement-nodes").Input("2");
        Input(form, "load-placement-tasksPerNode").Input("2");
        Input(form, "duration").Input("5s");
        form.WaitForAssertion(() => Assert.Equal("4 load-generator workers as a SLURM job: 2 nodes × 2",
            form.Find("[data-testid=preview-placement]").TextContent.Trim()), Patience);
        form.WaitForAssertion(() => Assert.Contains("5 s measured", form.Find("[data-testid=preview-duration]").TextContent), Patience);

        var created = await StartAndReadBackAsync(form);

        Assert.Equal(new Aibench.Contracts.Client.PlacementSpec("slurm", 2, 2), created.Definition.Load.Placement);
    }

    [Fact]
    public async Task The_grid_builder_previews_the_campaigns_job_arrays_and_Start_opens_the_campaign()
    {
        var form = RenderForm();
        Input(form, "duration").Input("5s");
        form.Find("[data-testid=vary]").Click();
        Input(form, "vary-nodes").Input("1, x");
        form.WaitForAssertion(() => Assert.Contains("whole numbers", Field(form, "vary-nodes").TextContent), Patience);
        Assert.Equal("Start campaign", form.Find("[data-testid=start]").TextContent.Trim());

        Input(form, "vary-nodes").Input("1, 2");
        Input(form, "vary-repeats").Input("2");
        form.WaitForAssertion(() => Assert.Contains("4 experiments: 2 combination(s) × 2 repeat(s)",
            form.Find("[data-testid=campaign-preview-count]").TextContent), Patience);
        var submissions = form.Find("[data-testid=campaign-preview-submissions]").TextContent;
        Assert.Contains("one job array of 2 elements on 1 node(s) each", submissions);
        Assert.Contains("one job array of 2 elements on 2 node(s) each", submissions);
        Assert.Equal(2, form.FindAll("[data-testid=campaign-preview-cell]").Count);

        // Beyond Server:MaxNodes: the module's own check, at the builder's field.
        Input(form, "vary-nodes").Input("1, 100000");
        form.WaitForAssertion(() => Assert.Contains("Server:MaxNodes", Field(form, "vary-nodes").TextContent), Patience);
        Input(form, "vary-nodes").Input("1, 2");
        form.WaitForAssertion(() => Assert.Contains("4 experiments", form.Find("[data-testid=campaign-preview-count]").TextContent), Patience);

        var navigation = Services.GetRequiredService<NavigationManager>();
        form.Find("[data-testid=experiment-form]").Submit();
        form.WaitForAssertion(() => Assert.Matches("/campaigns/[0-9a-f-]{36}$", navigation.Uri), Patience);
        var id = Guid.Parse(navigation.Uri[^36..]);
        var sender = Host.GetRequiredService<ISender>();
        var campaign = await sender.Send(new GetCampaign(id), Ct);
        Assert.Equal(4, campaign.Campaign.Elements);
        Assert.Equal(2, campaign.Campaign.Repeats);
        await sender.Send(new CancelCampaign(id), Ct);
    }

    /// <summary>Presses Start, follows the form to the new experiment's page and reads back what was created; then cancels it.</summary>
    private async Task<ExperimentDetail> StartAndReadBackAsync(IRenderedComponent<NewExperimentPage> form)
    {
        var navigation = Services.GetRequiredService<NavigationManager>();
        form.Find("[data-testid=experiment-form]").Submit();
        form.WaitForAssertion(() => Assert.Matches("/experiments/[0-9a-f-]{36}$", navigation.Uri), Patience);
        var id = Guid.Parse(navigation.Uri[^36..]);
        var sender = Host.GetRequiredService<ISender>();
        var created = await sender.Send(new GetExperiment(id), Ct);
        await sender.Send(new CancelExperiment(id), Ct);
        return created;
    }

    [Fact]
    public async Task The_list_filters_by_status_and_says_when_nothing_matches()
    {
        var done = await SeedAsync("completed", "list-completed");
        var failed = await SeedAsync("failed", "list-failed");
        var page = Render<ExperimentsPage>();
        page.WaitForAssertion(() => Assert.NotNull(Row(page, done)), Patience);
        Assert.NotNull(Row(page, failed));

        await FilterAsync(page, "filter-status", "failed");

        page.WaitForAssertion(() => Assert.Null(Row(page, done)), Patience);
        Assert.NotNull(Row(page, failed));

        await FilterAsync(page, "filter-testType", "soak");

        page.WaitForAssertion(() => Assert.Contains("No experiment matches these filters", page.Markup), Patience);
    }

    [Fact]
    public async Task A_row_opens_its_experiment_and_two_checked_rows_enable_compare()
    {
        var a = await SeedAsync("completed", "row-a");
        var b = await SeedAsync("completed", "row-b");
        var navigation = Services.GetRequiredService<NavigationManager>();
        var page = Render<ExperimentsPage>();
        page.WaitForAssertion(() => Assert.NotNull(Row(page, b)), Patience);
        Assert.True(page.Find("[data-testid=compare]").HasAttribute("disabled"));

        Row(page, a)!.QuerySelector("[data-testid=compare-select]")!.Change(true);
        Row(page, b)!.QuerySelector("[data-testid=compare-select]")!.Change(true);
        page.WaitForAssertion(() => Assert.False(page.Find("[data-testid=compare]").HasAttribute("disabled")), Patience);
        page.Find("[data-testid=compare]").Click();
        Assert.EndsWith($"/experiments/compare?ids={b},{a}", navigation.Uri);

        Row(page, a)!.Click();
        Assert.EndsWith($"/experiments/{a}", navigation.Uri);
    }

    [Fact]
    public async Task A_running_row_follows_the_feed_without_a_reload()
    {
        var id = await SeedAsync("running", "live-row");
        var page = Render<ExperimentsPage>();
        page.WaitForAssertion(() => Assert.Contains("deploying", Row(page, id)!.TextContent), Patience);
        Assert.Null(Row(page, id)!.QuerySelector("[data-testid=compare-select]"));
        var feed = Host.GetRequiredService<ExperimentFeed>();

        feed.Report(new ExperimentChanged(id, ExperimentStage.Loading, ExperimentStatus.Running, null, null, null, DateTimeOffset.UtcNow));
        feed.Report(new BenchmarkProgressed(Guid.NewGuid(), id, 30, 1, 1, "64 in flight", 100, 90, 0, 10, 3, 300, 50));

        page.WaitForAssertion(() =>
        {
            Assert.Contains("loading", Row(page, id)!.TextContent);
            Assert.Equal("50 %", Row(page, id)!.QuerySelector("[data-testid=row-progress]")?.TextContent.Trim());
        }, Patience);

        await SetStatusAsync(id, "completed");
        feed.Report(new ExperimentChanged(id, ExperimentStage.Completed, ExperimentStatus.Completed, null, null, null, DateTimeOffset.UtcNow));
        page.WaitForAssertion(() => Assert.NotNull(Row(page, id)!.QuerySelector("[data-testid=compare-select]")), Patience);
    }

    [Fact]
    public async Task Compare_shows_two_finished_experiments_side_by_side_with_their_latency_curves()
    {
        var fast = await SeedAsync("completed", "compare-fast", latencyMs: 50, parameters: """{"max_num_seqs":"64"}""");
        var slow = await SeedAsync("completed", "compare-slow", latencyMs: 200, parameters: """{"max_num_seqs":"8"}""");

        var page = RenderCompare($"{fast},{slow}");

        page.WaitForAssertion(() => page.Find("[data-testid=compare-table]"), Patience);
        var table = page.Find("[data-testid=compare-table]").TextContent;
        foreach (var expected in new[] { "compare-fast", "compare-slow", "TTFT p50 (ms)", "E2E p99 (ms)", "Output tokens/s",
            "Error rate", "SLO verdict" })
        {
            Assert.Contains(expected, table);
        }

        // Lower latency is better: the fast run's TTFT is marked best, and the slow one shows its change against the first.
        var ttft = page.FindAll("[data-testid=compare-measure]").Single(r => r.TextContent.Contains("TTFT p50", StringComparison.Ordinal));
        var cells = ttft.QuerySelectorAll("td");
        Assert.Equal(["true", "false"], cells.Select(c => c.GetAttribute("data-best")));
        Assert.Contains("★", cells[0].TextContent);
        Assert.Matches(@"\(\+\d[\d,.]* %\)", cells[1].QuerySelector("[data-testid=compare-change]")!.TextContent);

        var parameter = page.Find("[data-testid=compare-parameter]").TextContent;
        Assert.Contains("max_num_seqs", parameter);
        Assert.Contains("64", parameter);
        Assert.Contains("8", parameter);
        var chart = page.Find("[data-testid=chart-latency-distribution]");
        Assert.NotNull(chart.QuerySelector("[data-testid=chart-ttft-distribution]"));
        Assert.Contains("compare-fast", chart.TextContent);
        Assert.Empty(page.FindAll("[data-testid=compare-error]"));
    }

    [Fact]
    public async Task Compare_names_an_unknown_id_and_a_malformed_one()
    {
        var known = await SeedAsync("completed", "compare-known");
        var unknown = Guid.NewGuid();

        var page = RenderCompare($"{known},{unknown},nonsense");

        page.WaitForAssertion(() => page.Find("[data-testid=compare-error]"), Patience);
        var message = page.Find("[data-testid=compare-error]").TextContent;
        Assert.Contains($"No experiment has the id {unknown}", message);
        Assert.Contains("'nonsense' is not an experiment id", message);
        Assert.Empty(page.FindAll("[data-testid=compare-table]"));
    }

    [Fact]
    public async Task Compare_latency_curves_come_from_the_requests_of_each_run()
    {
        // Nearest rank: with 100 requests of 1..100 ms, the 50th percentile is 50 ms and the 99.9th the largest.
        var id = await SeedRunAsync([.. Enumerable.Range(1, 100).Select(ms => ms * 1.0)]);
        var distribution = await Host.GetRequiredService<ISender>().Send(new GetLatencyDistribution(id), Ct);
        Assert.NotNull(distribution);

        var at = distribution.Percentiles.Select((p, i) => (p, i)).ToDictionary(x => x.p, x => x.i);
        Assert.Equal(50, distribution.E2eCurve[at[50]], 1);
        Assert.Equal(100, distribution.E2eCurve[at[99.9]], 1);
        Assert.Equal(25, distribution.TtftCurve[at[50]], 1);
        Assert.Equal(1 / 101.0, distribution.ErrorRate!.Value, 5);
    }

    private IRenderedComponent<NewExperimentPage> RenderForm()
    {
        var form = Render<NewExperimentPage>(p => p.Add(x => x.PreviewDelay, TimeSpan.FromMilliseconds(20)));
        form.WaitForAssertion(() => form.Find("[data-testid=preview-resources]"), Patience);
        return form;
    }

    private IRenderedComponent<ComparePage> RenderCompare(string ids)
    {
        Services.GetRequiredService<NavigationManager>().NavigateTo($"/experiments/compare?ids={ids}");
        return Render<ComparePage>();
    }

    private static async Task FilterAsync(IRenderedComponent<ExperimentsPage> page, string testId, string value)
    {
        var select = page.FindComponents<MudSelect<string>>().Single(s => s.Instance.UserAttributes.TryGetValue("data-testid", out var t)
            && (string?)t == testId);
        await page.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync(value));
    }

    private static IElement? Row(IRenderedComponent<ExperimentsPage> page, Guid id) =>
        page.FindAll("[data-testid=experiment-row]").FirstOrDefault(r => r.GetAttribute("data-id") == id.ToString());

    /// <summary>The Mud field around a testid, where its helper and error texts are.</summary>
    private static IElement Field<T>(IRenderedComponent<T> cut, string testId) where T : IComponent =>
        cut.Find($"[data-testid={testId}]").Closest(".mud-input-control") ?? cut.Find($"[data-testid={testId}]");

    private async Task SetStatusAsync(Guid id, string status)
    {
        await using var db = await Host.GetRequiredService<IDbContextFactory<ExperimentsDbContext>>().CreateDbContextAsync(Ct);
        var e = await db.Experiments.SingleAsync(x => x.Id == id, Ct);
        e.Stage = WireNames.Parse<ExperimentStage>(status);
        e.Status = WireNames.Parse<ExperimentStatus>(status);
        e.FinishedAt = DateTimeOffset.UtcNow;
        await db.SaveChangesAsync(Ct);
    }

    /// <summary>An experiment as the workflow leaves it, with a measured run of 100 requests (1 failed) in the Client module.</summary>
    private async Task<Guid> SeedAsync(string status, string name, double latencyMs = 100, string parameters = "{}")
    {
        var now = DateTimeOffset.UtcNow;
        Guid? benchmark = status == "running" ? null : await SeedRunAsync([.. Enumerable.Range(1, 100).Select(i => latencyMs * (0.5 + i / 100.0))]);
        var overall = new BenchmarkStepResult("64 in flight", 64, null, null, 60, 99, 1, 1.65, 211.2, latencyMs / 2, latencyMs, 10, latencyMs,
            latencyMs * 1.5, 0.95);
        var result = new ExperimentResult(benchmark ?? Guid.Empty, BenchmarkStatus.Completed, false, null, overall, [overall],
            new SloVerdict(true, 0.95, 0.9, 0.01, 0.05, "95 % met TTFT ≤ 2s"), null, null);
        var experiment = new Experiment
        {
            Id = Guid.CreateVersion7(now), Name = name, Recipe = "vllm-sim", Nodes = 1, TestType = "throughput", DurationSeconds = 60,
            Stage = status == "running" ? ExperimentStage.Deploying : WireNames.Parse<ExperimentStage>(status),
                Status = WireNames.Parse<ExperimentStatus>(status), CreatedAt = now, UpdatedAt = now,
            FinishedAt = status == "running" ? null : now, BenchmarkId = benchmark, Parameters = parameters,
            Spec = ExperimentWorkflow.ToJson(new BenchmarkSpec(Load: new LoadShape("concurrency", Concurrency: 64))),
            Slo = ExperimentWorkflow.ToJson(new ExperimentSlo(Ttft: "2s")),
            Result = status == "running" ? null : ExperimentWorkflow.ToJson(result),
        };
        await using var db = await Host.GetRequiredService<IDbContextFactory<ExperimentsDbContext>>().CreateDbContextAsync(Ct);
        db.Experiments.Add(experiment);
        await db.SaveChangesAsync(Ct);
        return experiment.Id;
    }

    /// <summary>A finished run whose requests have these end-to-end latencies (TTFT half of each), plus one failed request.</summary>
    private async Task<Guid> SeedRunAsync(double[] e2eMs)
    {
        var records = e2eMs.Select((ms, i) => new RequestRecord
        {
            Index = i, ScheduledUs = 0, SentUs = 0, FirstTokenUs = (long)(ms * 500), EndUs = (long)(ms * 1000), InputTokens = 32,
                ServerInputTokens = -1,
            OutputTokens = 8, ServerOutputTokens = -1, Chunks = 8, HttpStatus = 200,
        }).Append(new RequestRecord { Index = e2eMs.Length, FirstTokenUs = -1, EndUs = 1000, ServerInputTokens = -1, ServerOutputTokens = -1,
            HttpStatus = 503, Error = RequestError.Http })
            .ToList();
        var ttft = new Stats(e2eMs.Length, 1, 1, 1, 1, e2eMs[e2eMs.Length / 2] / 2, 1, 1, e2eMs[^1] / 2, 1);
        var e2e = new Stats(e2eMs.Length, 1, 1, 1, 1, e2eMs[e2eMs.Length / 2], 1, 1, e2eMs[^1], 1);
        var tokens = new TokenTotals(0, 0, 0, 0, 0, 0, 0, null, null);
        var step = new StepResult(0, "64 in flight", 64, null, null, 60, e2eMs.Length + 1, e2eMs.Length, 1, 0, 0, 1.65, 1, 211.2, 1, 1, null, null,
            ttft, ttft, null, e2e, null, null, tokens, new Dictionary<string, long>(), 1, 1);
        var summary = new RunSummary("duration", false, DateTimeOffset.UtcNow, 60, step, [step], new Dictionary<string, string>(),
            "o200k (client side)");
        var run = new BenchmarkRun
        {
            Id = Guid.NewGuid(), Name = "seeded", Status = BenchmarkStatus.Completed, Target = "http://node1:8000/", Spec = "{}",
                CreatedAt = DateTimeOffset.UtcNow,
            Summary = JsonSerializer.Serialize(summary, Json.Options),
        };
        run.RequestParts.Add(new BenchmarkRequests { RunId = run.Id, Part = 0, Count = records.Count, Data = Exports.Encode(records) });
        await using var db = await Host.GetRequiredService<IDbContextFactory<ClientDbContext>>().CreateDbContextAsync(Ct);
        db.Benchmarks.Add(run);
        await db.SaveChangesAsync(Ct);
        return run.Id;
    }
}
