using Aibench.Contracts.Client;
using Aibench.Contracts.Monitor;
using Aibench.Experiments.Pages;
using Aibench.Experiments.Planning;
using Aibench.Tests.Infrastructure;
using Bunit;

namespace Aibench.Tests.Experiments;

/// <summary>The experiment page's TTFT panel renders what its model worked out, a large remainder as a warning.</summary>
public sealed class TtftPanelTests : PageTest
{
    [Fact]
    public void A_large_remainder_is_a_warning_and_every_row_names_its_source()
    {
        var client = new BenchmarkStepResult("4 in flight", 4, null, null, 10, 100, 0, 10, 100, 78, 120, 5, 300, 400, null, TtftMeanMs: 80,
            TtftP90Ms: 90);
        static ServerLatency L(string metric, double mean) => new(metric, 100, mean, new ServerQuantile(mean, 0, 300), null, null);
        var server = new ServerLatencies(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddMinutes(1), 1,
            L("vllm:time_to_first_token_seconds", 56),
            L("vllm:request_queue_time_seconds", 4), L("vllm:request_prefill_time_seconds", 50), null, null, Exported: true, Closed: true);

        var panel = Render<TtftPanel>(p => p.Add(x => x.Breakdown, TtftBreakdown.Of(client, server)));

        Assert.Equal("true", panel.Find("[data-testid=ttft-breakdown]").GetAttribute("data-large"));
        Assert.Contains("26 ms network and client", panel.Find("[data-testid=ttft-mean]").TextContent);
        Assert.Contains("the network or the client", panel.Find("[data-testid=ttft-verdict]").TextContent);
        Assert.Equal(["client", "server", "server", "server"], panel.FindAll("[data-testid=ttft-row]").Select(r => r.GetAttribute("data-source")));
        Assert.Contains("vllm:request_queue_time_seconds", panel.Markup);
    }
}
