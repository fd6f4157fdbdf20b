using System.Text.Json;
using Aibench.Tests.Infrastructure;
using Aibench.Tests.Server;
using static Aibench.Tests.Experiments.ExperimentDriver;

namespace Aibench.Tests.Experiments;

/// <summary>A whole experiment of the simulator recipe ends with its TTFT taken apart in the result.</summary>
[Collection(nameof(HostCollection))]
public sealed class ExperimentTtftTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_finished_experiment_sets_the_services_queue_and_prefill_beside_the_clients_ttft_each_naming_its_source()
    {
        await using var host = ServerHost.Start("local", extra: new Dictionary<string, string?>
        {
            ["Experiments:PollSeconds"] = "1",
            ["Experiments:CollectDelay"] = "1s",
            ["Monitor:ScrapeSeconds"] = "1",
        });
        var id = await CreateAsync(host.Client,
            SimExperiment("throughput", 1, "4s", load: new { concurrency = 4, dataset = "random:input=32,output=8" }));

        var done = await WaitEndAsync(host.Client, id, TimeSpan.FromSeconds(120));

        Assert.True(Status(done) == "completed", done.ToString());
        var ttft = done.GetProperty("result").GetProperty("ttft");
        Assert.Equal(1, ttft.GetProperty("targets").GetInt32());
        var clientRequests = ttft.GetProperty("clientRequests").GetInt64();
        var serverRequests = ttft.GetProperty("serverRequests").GetInt64();
        // The window starts at the first scrape after the run's start: the warm-up's requests are not in it, and at most the
        // run's first second is missing (plus, should the client warm its endpoint first, one uncounted request).
        Assert.InRange(serverRequests, clientRequests / 2, clientRequests + 1);
        var lines = ttft.GetProperty("lines").EnumerateArray().Select(l
            => (Name: l.GetProperty("name").GetString(), Source: l.GetProperty("source").GetString(), Line: l)).ToList();
        Assert.Contains(("TTFT", "client"), lines.Select(l => (l.Name, l.Source)));
        foreach (var phase in new[] { "TTFT", "queue", "prefill", "decode", "E2E" })
        {
            var server = lines.Single(l => l.Name == phase && l.Source == "server").Line;
            Assert.StartsWith("vllm:", server.GetProperty("metric").GetString());
            Assert.True(server.GetProperty("count").GetInt64() > 0, server.ToString());
        }

        var mean = ttft.GetProperty("mean");
        Assert.Equal(
            mean.GetProperty("ttftMs").GetDouble() - mean.GetProperty("queueMs").GetDouble() - mean.GetProperty("prefillMs").GetDouble(),
            mean.GetProperty("remainderMs").GetDouble(), 3);
        Assert.True(mean.GetProperty("prefillMs").GetDouble() > 0, mean.ToString());
        Assert.Contains(ttft.GetProperty("remainderLarge").ValueKind, new[] { JsonValueKind.True, JsonValueKind.False });
        Assert.False(string.IsNullOrEmpty(ttft.GetProperty("verdict").GetString()));
    }
}
