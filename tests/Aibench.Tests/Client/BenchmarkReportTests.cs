using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aibench.Client.Persistence;
using Aibench.Contracts.Client;
using Aibench.Simulator;
using Aibench.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Aibench.Tests.Client;

/// <summary>Reports of runs and comparisons through the REST API, against the simulator over HTTP (docs/reports.md).</summary>
[Collection(nameof(HostCollection))]
public sealed class BenchmarkReportTests(SqliteHost host) : IClassFixture<SqliteHost>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private AibenchFactory Factory => host.Factory;

    private static async Task<Guid> RunAsync(HttpClient client, Sim sim, string name, string duration = "6s")
    {
        var response = await client.PostAsJsonAsync("/api/v1/benchmarks", new
        {
            name, urls = new[] { sim.Url.ToString() }, load = new { kind = "concurrency", concurrency = 4 }, duration,
            dataset = "random:input=16,output=8", clientWarmup = false, slo = new { ttft = "1s" },
        }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
    }

    private static async Task WaitAsync(HttpClient client, Guid id)
    {
        var until = DateTime.UtcNow.AddSeconds(90);
        string? status;
        do
        {
            await Task.Delay(200, Ct);
            status = (await client.GetFromJsonAsync<JsonElement>($"/api/v1/benchmarks/{id}",
                Ct)).GetProperty("run").GetProperty("status").GetString();
        }
        while (status is "pending" or "running" && DateTime.UtcNow < until);

        Assert.Equal("completed", status);
    }

    private static Task<Sim> SimAsync(int itlMs) =>
        Sim.StartAsync(new SimOptions { Ttft = TimeSpan.FromMilliseconds(20), Itl = TimeSpan.FromMilliseconds(itlMs) });

    [Fact]
    public async Task A_finished_run_has_a_self_contained_html_report_and_a_markdown_summary()
    {
        await using var sim = await SimAsync(5);
        var client = Factory.Authorized();
        var id = await RunAsync(client, sim, "report run", "3s");
        await WaitAsync(client, id);

        var response = await client.GetAsync($"/api/v1/benchmarks/{id}/report", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync(Ct);
        foreach (var section in new[] { "run", "headline", "over-time", "distributions", "definitions" })
        {
            Assert.Contains($"data-section=\"{section}\"", html);
        }

        foreach (var figure in new[] { "requests-over-time", "latency-over-time", "latency-percentiles", "ttft-cdf", "e2e-cdf" })
        {
            Assert.Contains($"data-figure=\"{figure}\"", html);
        }

        Assert.Contains("report run", html);
        Assert.Contains(sim.Url.ToString().TrimEnd('/'), html);
        Assert.DoesNotContain("No data for this chart.", html);

        var md = await client.GetStringAsync($"/api/v1/benchmarks/{id}/report?format=md", Ct);
        Assert.StartsWith("### aibench run report: report run", md);
        Assert.Contains("| request throughput (req/s) |", md);
        Assert.Contains("| TTFT |", md);
        Assert.Contains($"[full result](/benchmarks/{id})", md);
    }

    [Fact]
    public async Task Reports_of_an_unknown_run_a_pending_one_or_in_an_unknown_format_are_clear_errors()
    {
        var client = Factory.Authorized();
        await Problem.ReadAsync(await client.GetAsync($"/api/v1/benchmarks/{Guid.NewGuid()}/report", Ct), HttpStatusCode.NotFound);

        var pending = Guid.CreateVersion7();
        await using (var db = await Factory.Services.GetRequiredService<IDbContextFactory<ClientDbContext>>().CreateDbContextAsync(Ct))
        {
            db.Benchmarks.Add(new BenchmarkRun
            {
                Id = pending, Name = "waiting", Status = BenchmarkStatus.Pending, Target = "http://127.0.0.1:9", CreatedAt = DateTimeOffset.UtcNow,
                Spec = "{}",
            });
            await db.SaveChangesAsync(Ct);
        }

        var conflict = await Problem.ReadAsync(await client.GetAsync($"/api/v1/benchmarks/{pending}/report", Ct), HttpStatusCode.Conflict);
        Assert.Contains("is pending: its report can be made once it has ended", conflict.GetProperty("detail").GetString());
        var format = await Problem.ReadAsync(await client.GetAsync($"/api/v1/benchmarks/{pending}/report?format=pdf", Ct), HttpStatusCode.BadRequest);
        Assert.NotEmpty(Problem.FieldErrors(format, "format"));

        var one = await Problem.ReadAsync(await client.GetAsync($"/api/v1/benchmarks/compare/report?ids={pending}", Ct), HttpStatusCode.BadRequest);
        Assert.Contains("a comparison takes 2 to 8", string.Join(" ", Problem.FieldErrors(one, "ids")));
        var nine = string.Join(",", Enumerable.Range(0, 9).Select(_ => Guid.NewGuid()));
        await Problem.ReadAsync(await client.GetAsync($"/api/v1/benchmarks/compare/report?ids={nine}", Ct), HttpStatusCode.BadRequest);
        var bad = await Problem.ReadAsync(await client.GetAsync($"/api/v1/benchmarks/compare/report?ids={pending},nope", Ct),
            HttpStatusCode.BadRequest);
        Assert.Contains("'nope' is not a run id", string.Join(" ", Problem.FieldErrors(bad, "ids")));
        await Problem.ReadAsync(await client.GetAsync($"/api/v1/benchmarks/compare/report?ids={pending},{Guid.NewGuid()}", Ct),
            HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task A_comparison_marks_a_doubled_inter_token_latency_beyond_noise_and_two_repeats_as_not_different()
    {
        await using var fast = await SimAsync(10);
        await using var slow = await SimAsync(20);
        var client = Factory.Authorized();
        // Side by side, so that whatever else the machine does falls on all three alike.
        var ids = await Task.WhenAll(RunAsync(client, fast, "itl 10 ms"), RunAsync(client, fast, "itl 10 ms again"),
            RunAsync(client, slow, "itl 20 ms"));
        foreach (var id in ids)
        {
            await WaitAsync(client, id);
        }

        var different = await client.GetStringAsync($"/api/v1/benchmarks/compare/report?ids={ids[0]},{ids[2]}&format=md", Ct);
        Assert.Contains("| target |", different);
        Assert.Matches(@"\| TPOT p50 \(ms\) \|[^\n]*\+\d[\d.]* % · worse, beyond noise \|", different);
        Assert.Matches(@"\| E2E p50 \(ms\) \|[^\n]*worse, beyond noise \|", different);
        Assert.Contains("B vs A: TPOT p50 (ms) +", different);

        var repeats = await client.GetStringAsync($"/api/v1/benchmarks/compare/report?ids={ids[0]},{ids[1]}&format=md", Ct);
        Assert.True(repeats.Contains("No headline number differs beyond the runs' own noise", StringComparison.Ordinal), repeats);
        Assert.DoesNotContain("beyond noise |", repeats);

        var html = await client.GetStringAsync($"/api/v1/benchmarks/compare/report?ids={ids[0]},{ids[1]},{ids[2]}", Ct);
        Assert.Contains("data-figure=\"ttft-cdf-compared\"", html);
        Assert.Contains("C vs A", html);
    }
}
