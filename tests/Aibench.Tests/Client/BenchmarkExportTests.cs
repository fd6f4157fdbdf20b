using System.Net;
using System.Text.Json;
using Aibench.Client.Persistence;
using Aibench.Simulator;
using Aibench.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Aibench.Tests.Client;

/// <summary>
/// The per-request lists of the JSON export's <c>vllm</c> keys that are stored beside the records (<c>itls</c>, and
/// <c>generated_texts</c> when asked), from runs against the simulator over HTTP, on SQLite and on PostgreSQL.
/// </summary>
public abstract class BenchmarkExportTests(HostFixture host)
{
    private AibenchFactory Factory
    {
        get
        {
            Assert.SkipWhen(host.SkipReason is not null, host.SkipReason ?? "");
            return host.Factory;
        }
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>One token per chunk every 10 ms after a short first token: 8 output tokens give 7 gaps of about 0.010 s.</summary>
    private static Task<Sim> TenMillisecondSim() =>
        Sim.StartAsync(new SimOptions { Ttft = TimeSpan.FromMilliseconds(2), Itl = TimeSpan.FromMilliseconds(10) });

    private static async Task<Guid> RunAsync(HttpClient client, Sim sim, bool keepTexts)
    {
        var id = await BenchmarkApiTests.StartAsync(client, new
        {
            urls = new[] { sim.Url.ToString() },
            load = new { kind = "concurrency", concurrency = 2 },
            maxRequests = 6,
            dataset = "random:input=16,output=8",
            keepTexts,
        });
        var detail = await BenchmarkApiTests.WaitAsync(client, id, "completed", "failed");
        Assert.Equal("completed", detail.GetProperty("run").GetProperty("status").GetString());
        return id;
    }

    private static async Task<JsonElement> ExportAsync(HttpClient client, Guid id, string query = "")
    {
        var response = await client.GetAsync($"/api/v1/benchmarks/{id}/export?format=json{query}", Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"export answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("vllm").Clone();
    }

    [Fact]
    public async Task Export_gives_each_requests_inter_token_gaps_in_seconds()
    {
        await using var sim = await TenMillisecondSim();
        var client = Factory.Authorized();
        var id = await RunAsync(client, sim, keepTexts: false);

        var vllm = await ExportAsync(client, id);

        var itls = vllm.GetProperty("itls").EnumerateArray().ToList();
        // One list per request, in the order of the other per-request lists.
        Assert.Equal(vllm.GetProperty("input_lens").GetArrayLength(), itls.Count);
        Assert.Equal(6, itls.Count);
        var outputs = vllm.GetProperty("output_lens").EnumerateArray().Select(o => o.GetInt32()).ToList();
        for (var i = 0; i < itls.Count; i++)
        {
            // The simulator sends one token per chunk: a gap between each two.
            Assert.Equal(outputs[i] - 1, itls[i].GetArrayLength());
        }

        var gaps = itls.SelectMany(l => l.EnumerateArray().Select(g => g.GetDouble())).Order().ToList();
        Assert.Equal(6 * 7, gaps.Count);
        // Seconds, not milliseconds or microseconds; generous bounds, as a 2-core machine under load delays some chunks. The simulator
        // aims each chunk at ttft + k × itl from the arrival, so a delayed chunk is followed by a short catch-up gap: most gaps, not all,
        // are near 10 ms.
        Assert.All(gaps, g => Assert.InRange(g, 0, 0.2));
        Assert.True(gaps.Count(g => g >= 0.005) >= gaps.Count * 0.8, string.Join(", ", gaps));
        Assert.InRange(gaps[gaps.Count / 2], 0.008, 0.05);
        Assert.False(vllm.TryGetProperty("generated_texts", out _));
    }

    [Fact]
    public async Task A_run_stored_before_gaps_were_kept_has_no_itls_rather_than_empty_lists()
    {
        await using var sim = await TenMillisecondSim();
        var client = Factory.Authorized();
        var id = await RunAsync(client, sim, keepTexts: false);
        // What a run stored before this column existed looks like: its records, no gaps.
        await using (var db = await Factory.Services.GetRequiredService<IDbContextFactory<ClientDbContext>>().CreateDbContextAsync(Ct))
        {
            await db.Requests.Where(p => p.RunId == id).ExecuteUpdateAsync(u => u.SetProperty(p => p.ChunkGaps, (byte[]?)null), Ct);
        }

        var vllm = await ExportAsync(client, id);

        Assert.False(vllm.TryGetProperty("itls", out _));
        Assert.Equal(6, vllm.GetProperty("ttfts").GetArrayLength());
    }

    [Fact]
    public async Task Generated_texts_are_exported_only_when_asked_and_only_of_a_run_that_kept_them()
    {
        await using var sim = await TenMillisecondSim();
        var client = Factory.Authorized();
        var kept = await RunAsync(client, sim, keepTexts: true);
        var notKept = await RunAsync(client, sim, keepTexts: false);

        var withTexts = await ExportAsync(client, kept, "&texts=true");
        var texts = withTexts.GetProperty("generated_texts").EnumerateArray().Select(t => t.GetString()).ToList();
        Assert.Equal(withTexts.GetProperty("completed").GetInt32(), texts.Count);
        Assert.All(texts, t => Assert.False(string.IsNullOrEmpty(t)));
        Assert.Equal(texts.Count, withTexts.GetProperty("itls").GetArrayLength());

        Assert.False((await ExportAsync(client, kept)).TryGetProperty("generated_texts", out _));
        Assert.False((await ExportAsync(client, kept, "&texts=false")).TryGetProperty("generated_texts", out _));

        var refused = await Problem.ReadAsync(await client.GetAsync($"/api/v1/benchmarks/{notKept}/export?format=json&texts=true", Ct),
            HttpStatusCode.BadRequest);
        Assert.Contains("keepTexts", Assert.Single(Problem.FieldErrors(refused, "texts")));
        var csv = await Problem.ReadAsync(await client.GetAsync($"/api/v1/benchmarks/{kept}/export?format=csv&texts=true", Ct),
            HttpStatusCode.BadRequest);
        Assert.NotEmpty(Problem.FieldErrors(csv, "texts"));
        var word = await Problem.ReadAsync(await client.GetAsync($"/api/v1/benchmarks/{kept}/export?format=json&texts=yes", Ct),
            HttpStatusCode.BadRequest);
        Assert.NotEmpty(Problem.FieldErrors(word, "texts"));
    }
}

[Collection(nameof(HostCollection))]
public sealed class SqliteBenchmarkExportTests(SqliteHost host) : BenchmarkExportTests(host), IClassFixture<SqliteHost>;

[Collection(nameof(HostCollection))]
public sealed class PostgresBenchmarkExportTests(PostgresHost host) : BenchmarkExportTests(host), IClassFixture<PostgresHost>;
