using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aibench.Tests.Infrastructure;
using static Aibench.Tests.Experiments.ExperimentDriver;

namespace Aibench.Tests.Experiments;

/// <summary>Campaigns through the API on the local scheduler: preview, bad grids refused by field with nothing stored, and a small grid run
/// whole.</summary>
[Collection(nameof(HostCollection))]
public sealed class CampaignApiTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(180);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static object Base(string testType = "throughput", object? slo = null) => new
    {
        recipe = "vllm-sim",
        testType,
        duration = "2s",
        warmup = "0s",
        load = new { concurrency = 2, dataset = "random:input=32,output=8" },
        slo,
    };

    [Fact]
    public async Task A_preview_counts_elements_and_node_hours_and_groups_one_shape_into_one_array_and_bad_grids_are_named()
    {
        await using var host = Start("local");

        var preview = await host.Client.PostAsJsonAsync("/api/v1/campaigns/preview", new
        {
            @base = Base(),
            axes = new { nodes = new[] { 1, 2 }, parameters = new { max_num_seqs = new[] { 64, 256 } } },
            repeats = 2,
            throttle = 3,
        }, Ct);
        var body = await preview.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(preview.StatusCode == HttpStatusCode.OK, body.ToString());
        Assert.Equal((4, 2, 8), (body.GetProperty("cells").GetInt32(), body.GetProperty("repeats").GetInt32(),
            body.GetProperty("elements").GetInt32()));
        var grid = body.GetProperty("grid").EnumerateArray().ToList();
        var expected = grid.Sum(c => c.GetProperty("nodes").GetInt32() * c.GetProperty("timeLimitMinutes").GetInt32() * 2 / 60.0);
        Assert.Equal(Math.Round(expected, 3), body.GetProperty("nodeHours").GetDouble(), 3);
        var submissions = body.GetProperty("submissions").EnumerateArray().ToList();
        Assert.Equal(2, submissions.Count);
        Assert.All(submissions, s => Assert.Equal(("array", 4), (s.GetProperty("kind").GetString(), s.GetProperty("elements").GetInt32())));
        Assert.Contains("--array=0-3%3", submissions[0].GetProperty("description").GetString());
        Assert.Equal([1, 2], submissions.Select(s => s.GetProperty("nodes").GetInt32()));

        foreach (var (request, field) in new (object, string)[]
        {
            (new { @base = Base(), axes = new { nodes = Array.Empty<int>() } }, "axes.nodes"),
            (new { @base = Base(), axes = new { parameters = new { no_such_parameter = new[] { 1, 2 } } } }, "axes.parameters.no_such_parameter"),
            (new { @base = Base(), axes = new { nodes = new[] { 1, 999 } } }, "axes.nodes[1]"),
            (new { @base = Base(), axes = new { parameters = new { seed = Enumerable.Range(1, 11).ToArray() } }, repeats = 10 }, "axes"),
            (new { @base = Base("capacity"), axes = new { nodes = new[] { 1 } } }, "base.slo"),
            (new { @base = Base(), axes = new { nodes = new[] { 1 } }, throttle = 0 }, "throttle"),
            (new { axes = new { nodes = new[] { 1 } } }, "base"),
        })
        {
            var refused = await host.Client.PostAsJsonAsync("/api/v1/campaigns", request, Ct);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(Ct);
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, $"{field}: {problem}");
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{field}: {problem}");
        }

        Assert.Empty(await host.Client.GetFromJsonAsync<JsonElement[]>("/api/v1/campaigns", Ct) ?? []);
        Assert.Empty(await host.Client.GetFromJsonAsync<JsonElement[]>("/api/v1/experiments", Ct) ?? []);
    }

    [Fact]
    public async Task A_small_campaign_runs_every_element_at_most_throttle_at_once_and_reports_each_cell_with_its_interval()
    {
        await using var host = Start("local");
        var created = await host.Client.PostAsJsonAsync("/api/v1/campaigns", new
        {
            @base = Base(),
            axes = new { parameters = new { max_num_seqs = new[] { 1, 8 } } },
            repeats = 2,
            throttle = 2,
            name = "seqs",
        }, Ct);
        var summary = await created.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(created.StatusCode == HttpStatusCode.Created, summary.ToString());
        var id = summary.GetProperty("id").GetGuid();

        var most = 0;
        JsonElement detail;
        var until = DateTime.UtcNow + Patience;
        do
        {
            await Task.Delay(500, Ct);
            detail = await host.Client.GetFromJsonAsync<JsonElement>($"/api/v1/campaigns/{id}", Ct);
            most = Math.Max(most, detail.GetProperty("campaign").GetProperty("running").GetInt32());
        }
        while (detail.GetProperty("campaign").GetProperty("status").GetString() == "running" && DateTime.UtcNow < until);

        Assert.True(detail.GetProperty("campaign").GetProperty("status").GetString() == "completed", detail.ToString());
        Assert.InRange(most, 1, 2);
        Assert.Equal(4, detail.GetProperty("campaign").GetProperty("done").GetInt32());
        var elements = detail.GetProperty("elements").EnumerateArray().ToList();
        Assert.Equal(["max_num_seqs=1 · #1", "max_num_seqs=1 · #2", "max_num_seqs=8 · #1", "max_num_seqs=8 · #2"],
            elements.Select(e => e.GetProperty("label").GetString()));
        Assert.All(elements, e => Assert.Equal("completed", e.GetProperty("status").GetString()));
        Assert.All(elements, e => Assert.True(e.GetProperty("throughput").GetDouble() > 0));

        // Each element's experiment exists once, named after the campaign and its cell.
        var experiments = await host.Client.GetFromJsonAsync<JsonElement[]>("/api/v1/experiments", Ct) ?? [];
        Assert.Equal(4, experiments.Length);
        Assert.All(elements, e => Assert.Contains(experiments, x => x.GetProperty("id").GetGuid() == e.GetProperty("experimentId").GetGuid()
            && x.GetProperty("name").GetString()!.StartsWith("seqs · max_num_seqs=", StringComparison.Ordinal)));

        var cells = detail.GetProperty("cells").EnumerateArray().ToList();
        Assert.Equal(2, cells.Count);
        Assert.All(cells, c => Assert.Equal(2, c.GetProperty("throughput").GetProperty("n").GetInt32()));
        Assert.All(cells, c => Assert.Equal(JsonValueKind.Number, c.GetProperty("throughput").GetProperty("halfWidth").ValueKind));
        // Two closed-loop users: the Pareto chart has both cells.
        Assert.Equal(2, detail.GetProperty("pareto").GetArrayLength());
    }

    [Fact]
    public async Task A_cancelled_campaign_cancels_what_runs_and_what_its_throttle_holds_back_never_gets_a_job()
    {
        await using var host = Start("local");
        var created = await host.Client.PostAsJsonAsync("/api/v1/campaigns", new
        {
            @base = new { recipe = "vllm-sim", testType = "throughput", duration = "30s", warmup = "0s",
                load = new { concurrency = 1, dataset = "random:input=32,output=8" } },
            axes = new { parameters = new { max_num_seqs = new[] { 1, 2, 4 } } },
            throttle = 1,
        }, Ct);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        var until = DateTime.UtcNow + Patience;
        while ((await host.Client.GetFromJsonAsync<JsonElement>($"/api/v1/campaigns/{id}", Ct)).GetProperty("campaign").GetProperty("running")
            .GetInt32() == 0 && DateTime.UtcNow < until)
        {
            await Task.Delay(250, Ct);
        }

        var cancel = await host.Client.DeleteAsync($"/api/v1/campaigns/{id}", Ct);
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);

        JsonElement detail;
        do
        {
            await Task.Delay(500, Ct);
            detail = await host.Client.GetFromJsonAsync<JsonElement>($"/api/v1/campaigns/{id}", Ct);
        }
        while (detail.GetProperty("campaign").GetProperty("status").GetString() == "running" && DateTime.UtcNow < until);

        Assert.True(detail.GetProperty("campaign").GetProperty("status").GetString() == "cancelled", detail.ToString());
        var elements = detail.GetProperty("elements").EnumerateArray().ToList();
        Assert.Equal(["cancelled", "cancelled", "cancelled"], elements.Select(e => e.GetProperty("status").GetString()));
        // The elements of one shape are one array whose experiments all exist from the start; the throttle (1) held the
        // services of the second and third back, and they were cancelled without ever getting a job.
        var jobs = new List<string?>();
        foreach (var element in elements)
        {
            var experiment = await host.Client.GetFromJsonAsync<JsonElement>($"/api/v1/experiments/{element.GetProperty("experimentId").GetGuid()}",
                Ct);
            var service = experiment.GetProperty("experiment").GetProperty("serviceId").GetGuid();
            jobs.Add((await host.Client.GetFromJsonAsync<JsonElement>($"/api/v1/services/{service}", Ct)).GetProperty("jobId").GetString());
        }

        Assert.NotNull(jobs[0]);
        Assert.Equal([null, null], jobs.Skip(1));
        // Idempotent: a second cancel answers the same.
        Assert.Equal(HttpStatusCode.Accepted, (await host.Client.DeleteAsync($"/api/v1/campaigns/{id}", Ct)).StatusCode);
    }
}
