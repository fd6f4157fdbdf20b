using System.Text.Json;
using Aibench.Contracts.Client;
using Aibench.Contracts.Experiments;
using Aibench.Experiments.Campaigns;
using Aibench.Experiments.Features;
using Aibench.Experiments.Jobs;
using Aibench.Experiments.Pages;
using Aibench.Experiments.Persistence;
using Aibench.Experiments.Planning;
using Aibench.Tests.Infrastructure;
using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Aibench.Tests.Experiments;

/// <summary>The campaign page over a finished 2-node-count campaign with two repeats: cells with intervals, scaling with efficiency, the Pareto
/// front.</summary>
[Collection(nameof(HostCollection))]
public sealed class CampaignPageTests : PageTest, IClassFixture<SqliteHost>
{
    private readonly SqliteHost _host;

    public CampaignPageTests(SqliteHost host)
    {
        _host = host;
        UseHost(host.Factory.Services);
    }

    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_finished_campaign_shows_each_cell_with_its_interval_the_scaling_efficiency_and_the_pareto_front()
    {
        var id = await SeedAsync([(1, 10.0), (1, 10.2), (2, 18.0), (2, 22.0)]);

        var page = Render<CampaignPage>(p => p.Add(x => x.Id, id));

        page.WaitForAssertion(() => Assert.Equal("completed", page.Find("[data-testid=campaign-status]").TextContent.Trim()),
            TimeSpan.FromSeconds(10));
        Assert.Contains("4 elements: 4 done", page.Find("[data-testid=campaign-progress]").TextContent);
        var cells = page.FindAll("[data-testid=campaign-cell]");
        Assert.Equal(2, cells.Count);
        // 10 and 10.2: 10.1 ± 12.706 × 0.1414 / √2 = ± 1.27 (above 10 %: unstable); 18 and 22: 20 ± 25.41.
        Assert.Contains("10.1 ± 1.27", cells[0].TextContent);
        Assert.Equal(["true", "true"], cells.Select(c => c.GetAttribute("data-unstable")));
        Assert.Contains("20 ± 25.41", cells[1].TextContent);
        // Efficiency T(2) / (2·T(1)) = 20 / 20.2 = 99 %.
        Assert.Contains("2 node(s) 99 %", page.Find("[data-testid=scaling-efficiency]").TextContent);
        Assert.NotEmpty(page.FindAll("[data-testid=campaign-scaling] svg"));
        Assert.NotEmpty(page.FindAll("[data-testid=pareto-front]"));
        Assert.Equal(4, page.FindAll("[data-testid=campaign-element][data-status=completed]").Count);
        var presenter = new CampaignPresenter();
        presenter.Loaded(await _host.Factory.Services.GetRequiredService<Mediator.ISender>().Send(new GetCampaign(id), Ct));
        Assert.False(presenter.Following);
        Assert.Equal([1, 2], presenter.Scaling.Lines.SelectMany(l => l.Points.Select(p => p.X)).Distinct().Order());
    }

    /// <summary>A completed campaign over nodes [1, 2] with two repeats whose experiments completed with these throughputs.</summary>
    private async Task<Guid> SeedAsync((int Nodes, double Throughput)[] runs)
    {
        var now = DateTimeOffset.UtcNow;
        var definition = new CreateCampaign(new CreateExperiment("vllm-sim", TestType: "throughput", Duration: "2s"), new CampaignAxes([1, 2]), 2, 2,
            "scaling");
        var campaign = new Campaign
        {
            Id = Guid.NewGuid(), Name = "scaling", Definition = ExperimentWorkflow.ToJson(definition), Repeats = 2, Throttle = 2,
            Status = ExperimentStatus.Completed, CreatedAt = now, UpdatedAt = now, FinishedAt = now,
        };
        await using var db = await _host.Factory.Services.GetRequiredService<IDbContextFactory<ExperimentsDbContext>>().CreateDbContextAsync(Ct);
        for (var i = 0; i < runs.Length; i++)
        {
            var (nodes, throughput) = runs[i];
            var experiment = Guid.NewGuid();
            campaign.Elements.Add(new CampaignElement
            {
                Id = Guid.NewGuid(), CampaignId = campaign.Id, Index = i, Cell = nodes - 1, Repeat = i % 2, Label = $"{nodes} node(s) · #{i % 2 + 1}",
                ExperimentId = experiment, StartedAt = now, Nodes = nodes, Gpus = nodes,
            });
            var overall = new BenchmarkStepResult("4 in flight", 4, null, null, 10, 100, 0, throughput, throughput * 8, 20, 40, 5, 100, 200, null);
            db.Experiments.Add(new Experiment
            {
                Id = experiment, Name = $"scaling · {nodes}", Recipe = "vllm-sim", Nodes = nodes, TestType = "throughput", DurationSeconds = 2,
                Stage = ExperimentStage.Completed, Status = ExperimentStatus.Completed, CreatedAt = now, UpdatedAt = now, FinishedAt = now,
                Result = ExperimentWorkflow.ToJson(new ExperimentResult(Guid.NewGuid(), BenchmarkStatus.Completed, false, null, overall, [overall],
                    null,
                    null, null)),
            });
        }

        db.Campaigns.Add(campaign);
        await db.SaveChangesAsync(Ct);
        return campaign.Id;
    }
}
