using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Aibench.Contracts.Server;
using Microsoft.Extensions.DependencyInjection;
using Aibench.Tests.Infrastructure;
using Aibench.Tests.Server;

namespace Aibench.Tests.Logs;

/// <summary>Job output collected from real run folders, on local processes and on the SLURM test cluster.</summary>
public abstract class LogCollectionTests
{
    protected abstract string Scheduler { get; }

    protected virtual string? SkipReason => null;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Secret = "hf_s3cr3tT0kenValue";

    private ServerHost Start(string? home = null)
    {
        Assert.SkipWhen(SkipReason is not null, SkipReason ?? "");
        return ServerHost.Start(Scheduler, home);
    }

    /// <param name="filter">The source, e.g. <c>service=&lt;id&gt;</c> or <c>benchmark=&lt;id&gt;</c>.</param>
    private static async Task<List<JsonElement>> AllLinesAsync(HttpClient client, string filter)
    {
        var lines = new List<JsonElement>();
        long? cursor = null;
        do
        {
            var page = await client.GetFromJsonAsync<JsonElement>(
                $"/api/v1/logs?{filter}&limit=1000{(cursor is null ? "" : $"&cursor={cursor}")}", Ct);
            lines.AddRange(page.GetProperty("lines").EnumerateArray());
            cursor = page.GetProperty("nextCursor").ValueKind == JsonValueKind.Null ? null : page.GetProperty("nextCursor").GetInt64();
        }
        while (cursor is not null);

        return lines;
    }

    private static Task<List<JsonElement>> WaitForLinesAsync(HttpClient client, Guid service, Func<List<JsonElement>, bool> done, TimeSpan patience)
        =>
        WaitForLinesAsync(client, $"service={service}", done, patience);

    private static async Task<List<JsonElement>> WaitForLinesAsync(HttpClient client, string filter, Func<List<JsonElement>, bool> done,
        TimeSpan patience)
    {
        var until = DateTime.UtcNow + patience;
        while (true)
        {
            var lines = await AllLinesAsync(client, filter);
            if (done(lines)) return lines;
            Assert.True(DateTime.UtcNow < until, $"lines did not arrive: have {lines.Count}");
            await Task.Delay(250, Ct);
        }
    }

    [Fact]
    public async Task Job_output_arrives_through_the_api_and_the_live_stream_within_two_seconds_with_secrets_masked()
    {
        await using var host = Start();
        var id = (await host.DeployAsync(new { recipe = "chatty", nodes = 2, parameters = new { hf_token = Secret, lines = 30 }
            })).GetProperty("id").GetGuid();
        try
        {
            var ready = await host.WaitAsync(id, s => ServerHost.StatusIs(s, "ready", "failed"), TimeSpan.FromSeconds(90));
            Assert.True(ServerHost.StatusIs(ready, "ready"), ready.ToString());

            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/logs/stream?service={id}&tail=0");
            using var response = await host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            var events = System.Net.ServerSentEvents.SseParser.Create(await
                response.Content.ReadAsStreamAsync(Ct)).EnumerateAsync(Ct).GetAsyncEnumerator(Ct);

            // A line the test writes itself, so its write time is known.
            var marker = $"marker {Guid.NewGuid():N}";
            var logs = Directory.CreateDirectory(Path.Combine(ready.GetProperty("runFolder").GetString()!, "logs")).FullName;
            var written = Stopwatch.StartNew();
            await File.AppendAllTextAsync(Path.Combine(logs, "0-extra.log"), marker + "\n", Ct);
            var streamed = TimeSpan.Zero;
            while (await events.MoveNextAsync())
            {
                Assert.DoesNotContain(Secret, events.Current.Data);
                if (events.Current.Data.Contains(marker, StringComparison.Ordinal))
                {
                    streamed = written.Elapsed;
                    Assert.Equal("line", events.Current.EventType);
                    break;
                }
            }

            Assert.InRange(streamed, TimeSpan.FromTicks(1), TimeSpan.FromSeconds(2));
            var inApi = await WaitForLinesAsync(host.Client, id, l => l.Any(x => x.GetProperty("text").GetString() == marker),
                TimeSpan.FromSeconds(2));
            Assert.Equal(0, Assert.Single(inApi, x => x.GetProperty("text").GetString() == marker).GetProperty("task").GetInt32());

            // Every line of both tasks, once each, masked, with stream, level and node.
            var lines = await WaitForLinesAsync(host.Client, id, l => l.Count(x => x.GetProperty("stream").GetString() == "stdout"
                && x.GetProperty("text").GetString()!.StartsWith("line ", StringComparison.Ordinal)) >= 60, TimeSpan.FromSeconds(30));
            var texts = lines.Select(x => x.GetProperty("text").GetString()!).ToList();
            foreach (var task in new[] { 0, 1 })
            {
                for (var i = 1; i <= 30; i++)
                {
                    Assert.Single(texts, t => t == $"line {i} of task {task} token=****");
                }
            }

            Assert.DoesNotContain(texts, t => t.Contains(Secret, StringComparison.Ordinal));
            var warning = lines.First(x => x.GetProperty("text").GetString()!.StartsWith("WARNING", StringComparison.Ordinal));
            Assert.Equal(("stderr", "warning"), (warning.GetProperty("stream").GetString(), warning.GetProperty("level").GetString()));
            var nodes = ready.GetProperty("endpoints").EnumerateArray().Select(e => e.GetProperty("node").GetString()).ToHashSet();
            Assert.All(lines.Where(x => x.GetProperty("task").ValueKind == JsonValueKind.Number), x
                => Assert.Contains(x.GetProperty("node").GetString(), nodes));

            // A client that reconnects with Last-Event-ID gets exactly what came after.
            var middle = lines[lines.Count / 2].GetProperty("id").GetInt64();
            using var resume = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/logs/stream?service={id}");
            resume.Headers.Add("Last-Event-ID", middle.ToString(System.Globalization.CultureInfo.InvariantCulture));
            using var resumed = await host.Client.SendAsync(resume, HttpCompletionOption.ResponseHeadersRead, Ct);
            var again = System.Net.ServerSentEvents.SseParser.Create(await
                resumed.Content.ReadAsStreamAsync(Ct)).EnumerateAsync(Ct).GetAsyncEnumerator(Ct);
            Assert.True(await again.MoveNextAsync());
            Assert.Equal(lines.Where(x => x.GetProperty("id").GetInt64() > middle).Min(x
                => x.GetProperty("id").GetInt64()).ToString(System.Globalization.CultureInfo.InvariantCulture),
                again.Current.EventId);
        }
        finally
        {
            await host.Client.DeleteAsync($"/api/v1/services/{id}", Ct);
        }
    }

    [Fact]
    public async Task Load_generator_workers_output_is_collected_by_benchmark_with_nodes_and_the_token_masked()
    {
        await using var host = Start();
        var (benchmark, experiment) = (Guid.NewGuid(), Guid.NewGuid());
        var runFolder = Path.Combine(host.Factory.Home, "runs", benchmark.ToString());
        // A file the job itself might write under logs/, naming the token; it is there before the job starts.
        Directory.CreateDirectory(Path.Combine(runFolder, "logs"));
        await File.WriteAllTextAsync(Path.Combine(runFolder, "logs", "1-trace.log"), $"reporting with token {Secret}\n", Ct);
        var sender = host.Factory.Services.GetRequiredService<Mediator.ISender>();
        // Zero workers configured: each of the two tasks says its index is out of range and exits, a real job's real output.
        var job = await sender.Send(new SubmitWorkerJob(benchmark, 2, 1, null, null, TimeSpan.FromMinutes(5),
            $$"""{"benchmarkId":"{{benchmark}}","workers":0,"token":"{{Secret}}"}""", experiment), Ct);
        Assert.Equal(runFolder, job.RunFolder);

        var waitUntil = DateTime.UtcNow.AddSeconds(60);
        List<JsonElement> lines;
        while (true)
        {
            lines = await AllLinesAsync(host.Client, $"benchmark={benchmark}");
            if (lines.Count(x => x.GetProperty("text").GetString()!.Contains("is outside", StringComparison.Ordinal)) == 2
                && lines.Any(x => x.GetProperty("text").GetString()!.StartsWith("reporting with token", StringComparison.Ordinal)))
            {
                break;
            }

            Assert.True(DateTime.UtcNow < waitUntil, $"""
                lines did not arrive; have: {string.Join(" | ", lines.Select(x => x.GetProperty("text").GetString()))}
                sources: {string.Join(" | ", await sender.Send(new ListLogSources(DateTimeOffset.UtcNow.AddHours(-1)), Ct))}
                run folder: {string.Join(", ", Directory.EnumerateFiles(runFolder, "*", SearchOption.AllDirectories)
                    .Select(f => $"{Path.GetRelativePath(runFolder, f)} ({new FileInfo(f).Length} B)"))}
                """);
            await Task.Delay(250, Ct);
        }

        var outOfRange = lines.Where(x => x.GetProperty("text").GetString()!.Contains("is outside", StringComparison.Ordinal)).ToList();
        Assert.Equal([0, 1], outOfRange.Select(x => x.GetProperty("task").GetInt32()).Order());
        foreach (var line in outOfRange)
        {
            // The node each task's script wrote before starting its worker.
            var node = (await File.ReadAllTextAsync(Path.Combine(runFolder, "workers", $"{line.GetProperty("task").GetInt32()}.node"), Ct)).Trim();
            Assert.Equal(node, line.GetProperty("node").GetString());
        }

        Assert.All(lines, x =>
        {
            Assert.Equal(benchmark, x.GetProperty("benchmarkId").GetGuid());
            // The experiment the submission named, handed on by the Server module with the job.
            Assert.Equal(experiment, x.GetProperty("experimentId").GetGuid());
            Assert.Equal(JsonValueKind.Null, x.GetProperty("serviceId").ValueKind);
            Assert.DoesNotContain(Secret, x.GetProperty("text").GetString()!, StringComparison.Ordinal);
        });
        var masked = Assert.Single(lines, x => x.GetProperty("text").GetString()!.StartsWith("reporting with token", StringComparison.Ordinal));
        Assert.Equal("reporting with token ****", masked.GetProperty("text").GetString());
        Assert.Equal(1, masked.GetProperty("task").GetInt32());

        // server:poll notices the end without anyone asking for the job's state; its files are then read a last time.
        var until = DateTime.UtcNow.AddSeconds(60);
        LogSource? source;
        do
        {
            await Task.Delay(250, Ct);
            source = (await sender.Send(new ListLogSources(DateTimeOffset.UtcNow.AddHours(-1)), Ct)).SingleOrDefault(s => s.Id == benchmark);
        }
        while (source is not { Ended: true } && DateTime.UtcNow < until);

        Assert.NotNull(source);
        Assert.Equal((LogSourceKind.Workers, true, experiment), (source.Kind, source.Ended, source.ExperimentId));
        Assert.Equal([Secret], source.Secrets);
        Assert.DoesNotContain(await sender.Send(new ListLogSources(DateTimeOffset.UtcNow.AddMinutes(1)), Ct), s => s.Id == benchmark);
    }

    [Fact]
    public async Task A_host_restarted_mid_job_keeps_every_line_exactly_once()
    {
        var home = Path.Combine(Directory.CreateTempSubdirectory("aibench-test-logs-restart-").FullName, "home");
        Guid id;
        await using (var first = Start(home))
        {
            id = (await first.DeployAsync(new { recipe = "chatty", nodes = 1, parameters = new { lines = 80 } })).GetProperty("id").GetGuid();
            await first.WaitAsync(id, s => ServerHost.StatusIs(s, "ready", "failed"), TimeSpan.FromSeconds(90));
            await WaitForLinesAsync(first.Client, id, l => l.Count > 10, TimeSpan.FromSeconds(10));
        }

        await using var second = Start(home);
        try
        {
            var lines = await WaitForLinesAsync(second.Client, id, l
                => l.Any(x => x.GetProperty("text").GetString()!.StartsWith("line 80 ", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(60));
            var texts = lines.Select(x => x.GetProperty("text").GetString()!).Where(t => t.StartsWith("line ", StringComparison.Ordinal)).ToList();
            Assert.Equal(80, texts.Count);
            Assert.Equal(80, texts.Distinct().Count());
        }
        finally
        {
            await second.Client.DeleteAsync($"/api/v1/services/{id}", Ct);
        }
    }
}

[Collection(nameof(HostCollection))]
public sealed class LocalLogCollectionTests : LogCollectionTests
{
    protected override string Scheduler => "local";
}

[Collection(nameof(HostCollection))]
public sealed class SlurmLogCollectionTests : LogCollectionTests
{
    protected override string Scheduler => "slurm";

    protected override string? SkipReason => SlurmCluster.Unavailable();
}
