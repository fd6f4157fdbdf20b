using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aibench.Experiments.Features;
using Aibench.Experiments.Pages.Panels;
using Aibench.Tests.Infrastructure;
using Bunit;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using static Aibench.Tests.Experiments.ExperimentDriver;

namespace Aibench.Tests.Experiments;

/// <summary>
/// Experiments checked against references (ReFrame style): bad ones refused by field before anything starts, a value
/// left out taken from the last passing experiment of the same recipe, nodes, parameters and test type, and the page
/// saying which figure was out of bounds.
/// </summary>
[Collection(nameof(HostCollection))]
public sealed class ExperimentReferenceTests : PageTest
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_reference_out_of_bounds_fails_the_verdict_naming_it_and_an_omitted_value_is_the_last_passing_experiments()
    {
        await using var host = Start("local");
        UseHost(host.Factory.Services);

        foreach (var (given, field) in new (object, string)[]
        {
            (new { speed = new { value = 1, lower = "-5%" } }, "references.speed"),
            (new { capacity = new { value = 1, lower = "-5%" } }, "references.capacity"),
            (new { throughput = new { value = 1 } }, "references.throughput"),
            (new { ttft_p99 = new { value = "soon", upper = "+10%" } }, "references.ttft_p99.value"),
        })
        {
            var refused = await host.Client.PostAsJsonAsync("/api/v1/experiments",
                new { recipe = "vllm-sim", nodes = 1, testType = "throughput", duration = "2s", references = given }, Ct);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(Ct);
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, problem.ToString());
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        }

        Assert.Empty(await host.Client.GetFromJsonAsync<JsonElement[]>("/api/v1/experiments", Ct) ?? []);

        // The first has no earlier experiment to compare with: the figure without a value is not held against it.
        var first = await RunAsync(host, new { ttft_p50 = new { upper = "+1000%" } });
        var firstReferences = first.GetProperty("result").GetProperty("references");
        Assert.True(firstReferences.GetProperty("passed").GetBoolean(), firstReferences.ToString());
        Assert.Contains("nothing to compare with", firstReferences.GetProperty("checks")[0].GetProperty("note").GetString());
        var firstId = first.GetProperty("experiment").GetProperty("id").GetGuid();

        // The second: a throughput no 1-node simulator reaches, and its TTFT against the first one's.
        var second = await RunAsync(host, new { throughput = new { value = 100_000, lower = "-5%" }, ttft_p50 = new { upper = "+1000%" } });
        Assert.Equal("completed", Status(second));
        var references = second.GetProperty("result").GetProperty("references");
        Assert.False(references.GetProperty("passed").GetBoolean());
        Assert.Equal(firstId, references.GetProperty("baseline").GetGuid());
        var checks = references.GetProperty("checks").EnumerateArray().ToList();
        Assert.Equal([false, true], checks.Select(c => c.GetProperty("passed").GetBoolean()));
        Assert.Equal(first.GetProperty("result").GetProperty("overall").GetProperty("ttftP50Ms").GetDouble(),
            checks[1].GetProperty("reference").GetDouble());
        Assert.StartsWith("references failed: throughput", references.GetProperty("summary").GetString());
        Assert.Contains("references failed: throughput", second.GetProperty("experiment").GetProperty("reason").GetString());

        // The page says why.
        var detail = await host.Factory.Services.GetRequiredService<ISender>().Send(new GetExperiment(second.GetProperty("experiment")
            .GetProperty("id").GetGuid()), Ct);
        var panel = Render<ExperimentResultsPanel>(p => p.Add(x => x.Detail, detail));
        Assert.Equal("false", panel.Find("[data-testid=references-verdict]").GetAttribute("data-passed"));
        Assert.Contains($"baseline: experiment {firstId}", panel.Find("[data-testid=references-verdict]").TextContent);
        var failed = panel.Find("[data-testid=reference-check][data-passed=false]");
        Assert.Equal("throughput", failed.GetAttribute("data-figure"));
        Assert.Contains("the lowest allowed", failed.TextContent);
    }

    private static async Task<JsonElement> RunAsync(Server.ServerHost host, object references)
    {
        var id = await CreateAsync(host.Client, new
        {
            recipe = "vllm-sim",
            nodes = 1,
            testType = "throughput",
            duration = "2s",
            warmup = "0s",
            load = new { concurrency = 2, dataset = "random:input=32,output=8" },
            references,
        });
        var done = await WaitEndAsync(host.Client, id, Patience);
        Assert.True(Status(done) == "completed", done.ToString());
        return done;
    }
}
