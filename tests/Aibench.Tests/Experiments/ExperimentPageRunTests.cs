using Aibench.Contracts.Monitor;
using Aibench.Experiments.Pages;
using Aibench.Monitor.Pages;
using Aibench.Tests.Infrastructure;
using Bunit;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using static Aibench.Tests.Experiments.ExperimentDriver;

namespace Aibench.Tests.Experiments;

/// <summary>The experiment page following a real experiment of the simulator on the local scheduler, from deploy to its results.</summary>
[Collection(nameof(HostCollection))]
public sealed class ExperimentPageRunTests : PageTest
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task The_page_follows_a_real_experiment_through_its_stages_and_ends_with_summary_verdict_and_downloads()
    {
        // Scraped every second, so that the 4 s run's window holds several scrapes and a rise of the service's histograms.
        await using var host = Start("local", extra: new Dictionary<string, string?> { ["Monitor:ScrapeSeconds"] = "1" });
        UseHost(host.Factory.Services);
        var id = await CreateAsync(host.Client, SimExperiment("throughput", 1, "4s", slo: new { ttft = "5s" }, warmup: "0s"));

        var page = Render<ExperimentPage>(p => p.Add(x => x.Id, id));

        // Rendered once; everything after comes from the feed and the page's own refresh.
        page.WaitForAssertion(() => Assert.Equal("loading", page.Find("[data-testid=experiment-stage]").TextContent.Trim()), Patience);
        page.WaitForAssertion(() => Assert.NotEqual("–", page.Find("[data-testid=progress-sent]").TextContent.Trim()), Patience);
        var replica = page.Find("[data-testid=replicas] [data-testid=replica-row]");
        Assert.DoesNotContain("–", replica.Children[2].TextContent);

        page.WaitForAssertion(() => Assert.Equal("completed", page.Find("[data-testid=experiment-status]").TextContent.Trim()), Patience);
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("[data-testid=summary] [data-testid=summary-row]")), Patience);
        Assert.Equal("completed", page.Find("[data-testid=experiment-stage]").TextContent.Trim());
        Assert.Equal("false", page.Find("[data-testid=summary]").GetAttribute("data-partial"));
        Assert.Equal("true", page.Find("[data-testid=slo-verdict]").GetAttribute("data-passed"));
        var detail = await GetAsync(host.Client, id);
        var benchmark = detail.GetProperty("experiment").GetProperty("benchmarkId").GetGuid();
        Assert.Equal($"/api/v1/benchmarks/{benchmark}/export?format=json", page.Find("[data-testid=download-json]").GetAttribute("href"));
        Assert.Equal($"/api/v1/benchmarks/{benchmark}/export?format=csv", page.Find("[data-testid=download-csv]").GetAttribute("href"));
        Assert.Equal($"/api/v1/logs/download?experiment={id}", page.Find("[data-testid=download-logs]").GetAttribute("href"));
        Assert.Empty(page.FindAll("[data-testid=chart-throughput] [data-testid=chart-empty]"));
        Assert.Empty(page.FindAll("[data-testid=chart-latency] [data-testid=chart-empty]"));
        Assert.Empty(page.FindAll("[data-testid=cancel]"));

        // The service's own charts come from the Monitor module's slot, which also hands the page its latency percentiles.
        // Polled, not WaitForAssertion: the slot's own read ends in a render of the slot's component alone, which need not
        // trigger a check of the page's assertion; once the experiment has ended nothing else renders.
        var until = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < until && page.FindAll("[data-testid=chart-server-metrics] [data-testid=chart-empty]").Count > 0)
        {
            await Task.Delay(200, Xunit.TestContext.Current.CancellationToken);
        }

        Assert.True(page.FindAll("[data-testid=chart-server-metrics] [data-testid=chart-empty]").Count == 0,
            $"no server metrics: {page.Find("[data-testid=chart-server-metrics]").TextContent.Trim()}");

        // The service's TTFT percentiles join the page's latency chart (the slot hands them back to the page).
        while (DateTime.UtcNow < until && !page.Find("[data-testid=chart-latency]").TextContent.Contains("TTFT p50", StringComparison.Ordinal))
        {
            await Task.Delay(200, Xunit.TestContext.Current.CancellationToken);
        }

        var e = (await GetAsync(host.Client, id)).GetProperty("experiment");
        var (from, to) = ServiceChartSeries.Window(e.GetProperty("createdAt").GetDateTimeOffset(), e.GetProperty("finishedAt").GetDateTimeOffset(),
            DateTimeOffset.UtcNow);
        var (_, metric, q) = ServiceChartSeries.LatencyQuantiles[0];
        var ttft = await host.Factory.Services.GetRequiredService<ISender>()
            .Send(new GetMetricSeries(null, id, metric, from, to, "quantile", q), Xunit.TestContext.Current.CancellationToken);
        Assert.True(page.Find("[data-testid=chart-latency]").TextContent.Contains("TTFT p50", StringComparison.Ordinal),
            $"no service TTFT on the latency chart; Monitor has {ttft.Sum(s => s.Points.Count)} quantile point(s) for the window");
    }
}
