using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Aibench.Tests.Infrastructure;
using Microsoft.Playwright;
using static Aibench.Tests.EndToEnd.Drills;

namespace Aibench.Tests.EndToEnd;

/// <summary>
/// Issue #17's campaign drill: a 2×2 grid (nodes × max_num_seqs) with 2 repeats on the SLURM test cluster. Its two
/// shapes go as two job arrays (checked by job id and in squeue), the host is killed with <c>kill -9</c> while some
/// elements are done and others still queued, and the restarted host finishes the campaign without redoing or
/// resubmitting anything. The campaign page is then opened in a real browser; screenshots in the test results.
/// </summary>
[Collection(nameof(HostCollection))]
public sealed partial class CampaignDrillTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(8);
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("aibench-drill-campaign-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public async Task A_two_by_two_campaign_with_two_repeats_runs_as_job_arrays_survives_a_host_kill_and_shows_its_results_in_a_browser()
    {
        Assert.SkipWhen(SlurmCluster.Unavailable() is not null, SlurmCluster.Unavailable() ?? "");
        Assert.SkipWhen(Browser.Unavailable() is not null, Browser.Unavailable() ?? "");
        var home = Path.Combine(_temp.FullName, "home");
        var port = AibenchProcess.FreePort();
        var request = new
        {
            @base = new
            {
                recipe = Recipe, testType = "throughput", duration = "4s", warmup = "0s",
                load = new { concurrency = 2, dataset = "random:input=32,output=8" },
            },
            axes = new { nodes = new[] { 1, 2 }, parameters = new { max_num_seqs = new[] { 4, 16 } } },
            repeats = 2,
            throttle = 2,
            name = "drill",
        };

        Guid id;
        Dictionary<Guid, string> jobsBefore;
        Dictionary<Guid, Guid> measuredBefore;
        await using (var first = await DrillHost.StartAsync(home, port))
        {
            // The preview names the two arrays before anything starts.
            var preview = await PostAsync(first.Client, "/api/v1/campaigns/preview", request);
            var submissions = preview.GetProperty("submissions").EnumerateArray().ToList();
            Assert.Equal(2, submissions.Count);
            Assert.All(submissions, s => Assert.Equal("array", s.GetProperty("kind").GetString()));
            Assert.All(submissions, s => Assert.Contains("--array=0-3%2", s.GetProperty("description").GetString()));

            id = (await PostAsync(first.Client, "/api/v1/campaigns", request)).GetProperty("id").GetGuid();
            // Mid-campaign: something measured, something still waiting for its turn.
            var detail = await WaitCampaignAsync(first.Client, id, d => Count(d, "done") >= 1 && Count(d, "queued") >= 1);
            Assert.True(Count(detail, "done") >= 1 && Count(detail, "queued") >= 1, $"never mid-campaign: {detail}");

            // Two job arrays of four tasks each: every element's service is task <array>_<index>, known to squeue.
            jobsBefore = await ServiceJobsAsync(first.Client, detail);
            Assert.Equal(8, jobsBefore.Count);
            Assert.All(jobsBefore.Values, j => Assert.Matches(TaskId(), j));
            var arrays = jobsBefore.Values.GroupBy(j => j.Split('_')[0]).ToList();
            Assert.Equal(2, arrays.Count);
            Assert.All(arrays, a => Assert.Equal(["0", "1", "2", "3"], a.Select(j => j.Split('_')[1]).Order(StringComparer.Ordinal)));
            foreach (var job in jobsBefore.Values)
            {
                Assert.NotNull(await SlurmCluster.StateAsync(job));
            }

            measuredBefore = [];
            foreach (var e in Elements(await CampaignAsync(first.Client, id)).Where(e => e.GetProperty("status").GetString() == "completed"))
            {
                measuredBefore[e.GetProperty("experimentId").GetGuid()] = await
                    BenchmarkOfAsync(first.Client, e.GetProperty("experimentId").GetGuid());
            }

            await first.Process.KillHardAsync();
        }

        await using var second = await DrillHost.StartAsync(home, port);
        var done = await WaitCampaignAsync(second.Client, id, d => d.GetProperty("campaign").GetProperty("status").GetString() != "running");
        Assert.True(done.GetProperty("campaign").GetProperty("status").GetString() == "completed", done.ToString());
        // Failed once in CI (7 of 8 done, session of 2026-12-07) without saying why: every element's end is printed.
        Assert.True(Count(done, "done") == 8, await ElementsTextAsync(second.Client, done));
        Assert.All(Elements(done), e => Assert.Equal("completed", e.GetProperty("status").GetString()));

        // Nothing redone: one experiment per element, the measured ones with the run they had, and every service still on
        // the array task it was submitted as (no second submission).
        Assert.Equal(8, (await second.Client.GetFromJsonAsync<JsonElement[]>("/api/v1/experiments", Ct) ?? []).Length);
        foreach (var (experiment, run) in measuredBefore)
        {
            Assert.Equal(run, await BenchmarkOfAsync(second.Client, experiment));
        }

        Assert.Equal(jobsBefore, await ServiceJobsAsync(second.Client, done));
        var services = new List<Guid>();
        foreach (var e in Elements(done))
        {
            services.Add((await GetJsonAsync(second.Client, $"/api/v1/experiments/{e.GetProperty("experimentId").GetGuid()}"))
                .GetProperty("experiment").GetProperty("serviceId").GetGuid());
        }

        // No job of its own for any service, and both arrays have ended.
        Assert.Empty(await SlurmCluster.JobsNamedAsync(services.Select(s => s.ToString("N"))));
        var arrayIds = jobsBefore.Values.Select(j => j.Split('_')[0] + "_").Distinct().ToList();
        Assert.True(await EventuallyAsync(async () => !(await SlurmCluster.JobsNamedAsync(["-array-"]))
            .Any(j => j.Active && arrayIds.Any(a => j.Id.StartsWith(a, StringComparison.Ordinal))), TimeSpan.FromSeconds(60)),
            "a task of the campaign's arrays still runs after the campaign completed");

        // The cells with their intervals, the scaling curve and the Pareto front, in a real browser.
        await using var browser = await Browser.LogInAsync(second.Url, second.Process.Token, "campaign-drill");
        await browser.Page.GotoAsync($"/campaigns/{id}");
        await browser.LiveAsync();
        await Assertions.Expect(browser.ById("campaign-status")).ToHaveTextAsync("completed");
        await Assertions.Expect(browser.ById("campaign-cell")).ToHaveCountAsync(4);
        await Assertions.Expect(browser.ById("campaign-element")).ToHaveCountAsync(8);
        await Assertions.Expect(browser.Page.Locator("[data-testid='campaign-scaling'] svg").First).ToBeVisibleAsync();
        await Assertions.Expect(browser.ById("pareto-front").First).ToBeVisibleAsync();
        await browser.ShotAsync("campaign-page");
        foreach (var part in new[] { "campaign-cells", "campaign-scaling", "campaign-pareto" })
        {
            await browser.ById(part).ScreenshotAsync(new LocatorScreenshotOptions
            {
                Path = Path.Combine(Browser.ScreenshotFolder, $"campaign-drill-{part}.png"),
            });
        }
    }

    private static async Task<JsonElement> WaitCampaignAsync(HttpClient client, Guid id, Func<JsonElement, bool> done)
    {
        var until = DateTime.UtcNow + Patience;
        JsonElement detail;
        do
        {
            detail = await CampaignAsync(client, id);
            if (done(detail)) return detail;
            await Task.Delay(500, Ct);
        }
        while (DateTime.UtcNow < until);

        return detail;
    }

    /// <summary>Each element's experiment: its status, stage, reason and stage notes, for a failure message.</summary>
    private static async Task<string> ElementsTextAsync(HttpClient client, JsonElement detail)
    {
        var text = new System.Text.StringBuilder(detail.GetProperty("campaign").ToString()).AppendLine();
        foreach (var e in Elements(detail))
        {
            text.Append(e.ToString()).AppendLine();
            if (e.TryGetProperty("experimentId", out var id) && id.ValueKind == JsonValueKind.String)
            {
                var experiment = await GetJsonAsync(client, $"/api/v1/experiments/{id.GetGuid()}");
                text.Append("  ").Append(experiment.GetProperty("experiment").ToString()).AppendLine();
                foreach (var stage in experiment.GetProperty("stages").EnumerateArray())
                {
                    text.Append("    ").Append(stage.ToString()).AppendLine();
                }
            }
        }

        return text.ToString();
    }

    private static Task<JsonElement> CampaignAsync(HttpClient client, Guid id) => GetJsonAsync(client, $"/api/v1/campaigns/{id}");

    private static int Count(JsonElement detail, string what) => detail.GetProperty("campaign").GetProperty(what).GetInt32();

    private static IEnumerable<JsonElement> Elements(JsonElement detail) => detail.GetProperty("elements").EnumerateArray();

    private static async Task<Guid> BenchmarkOfAsync(HttpClient client, Guid experiment) =>
        (await GetJsonAsync(client, $"/api/v1/experiments/{experiment}")).GetProperty("experiment").GetProperty("benchmarkId").GetGuid();

    /// <summary>Each element's service's job id, by experiment, once every element's service has one.</summary>
    private static async Task<Dictionary<Guid, string>> ServiceJobsAsync(HttpClient client, JsonElement detail)
    {
        var jobs = new Dictionary<Guid, string>();
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        foreach (var experiment in Elements(detail).Select(e => e.GetProperty("experimentId").GetGuid()))
        {
            string? job = null;
            while (job is null && DateTime.UtcNow < until)
            {
                var service = (await GetJsonAsync(client, $"/api/v1/experiments/{experiment}")).GetProperty("experiment").GetProperty("serviceId");
                if (service.ValueKind == JsonValueKind.String)
                {
                    job = (await GetJsonAsync(client, $"/api/v1/services/{service.GetGuid()}")).GetProperty("jobId").GetString();
                }

                if (job is null) await Task.Delay(500, Ct);
            }

            jobs[experiment] = job ?? throw new InvalidOperationException($"the service of experiment {experiment} never got a job");
        }

        return jobs;
    }

    [GeneratedRegex(@"^\d+_[0-3]$")]
    private static partial Regex TaskId();
}
