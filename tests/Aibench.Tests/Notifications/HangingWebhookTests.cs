using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Aibench.Contracts.Experiments;
using Aibench.Tests.Infrastructure;
using Aibench.Tests.Server;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using static Aibench.Tests.Experiments.ExperimentDriver;

namespace Aibench.Tests.Notifications;

/// <summary>A host whose first webhook never answers (for up to the two minutes an attempt may take) and whose second does.</summary>
public sealed class HangingWebhookHost : IAsyncLifetime
{
    public ServerHost Host { get; private set; } = null!;

    public WebhookReceiver Receiver { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Receiver = await WebhookReceiver.StartAsync();
        Host = ServerHost.Start("local", extra: new Dictionary<string, string?>
        {
            ["Experiments:PollSeconds"] = "1",
            ["Experiments:CollectDelay"] = "1s",
            ["Experiments:Warmup"] = "1s",
            ["Notifications:Timeout"] = "2m",
            ["Notifications:RetryDelays"] = "1s",
            ["Notifications:Webhooks:0:Url"] = Receiver.UrlOf("/hang/hook"),
            ["Notifications:Webhooks:1:Url"] = Receiver.UrlOf("/ok/hook"),
        });
        _ = Host.Factory.Server;
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await Receiver.DisposeAsync();
    }
}

/// <summary>A webhook that hangs slows neither the module that published the event nor any experiment.</summary>
[Collection(nameof(HostCollection))]
public sealed class HangingWebhookTests(HangingWebhookHost fixture) : IClassFixture<HangingWebhookHost>
{
    /// <summary>Far below the two-minute attempt a hanging webhook holds: an event handler that waited on it could not return in time.</summary>
    private static readonly TimeSpan AtOnce = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private IPublisher Publisher => fixture.Host.Factory.Services.GetRequiredService<IPublisher>();

    private static ExperimentFinished Finished(string name) =>
        new(Guid.NewGuid(), name, "vllm-sim", "throughput", ExperimentOutcome.Failed, "the load failed", ExperimentStage.Loading, null, null, null,
            null, DateTimeOffset.UtcNow);

    /// <summary>
    /// One test, in order: the first event's attempt takes one of the two delivery workers, the second the other, and the
    /// experiment then runs with both held.
    /// </summary>
    [Fact]
    public async Task A_hanging_webhook_slows_neither_the_publisher_nor_an_experiment()
    {
        var first = Finished("first");
        var watch = Stopwatch.StartNew();
        await Publisher.Publish(first, Ct);
        var took = watch.Elapsed;
        Assert.True(took < AtOnce, $"publishing took {took}");

        await fixture.Receiver.WaitForAsync("/hang/", p => p.GetProperty("experiment").GetProperty("id").GetGuid() == first.ExperimentId, 1,
            TimeSpan.FromSeconds(60));
        var rows = (await fixture.Host.Client.GetFromJsonAsync<JsonElement>($"/api/v1/notifications?experiment={first.ExperimentId}",
            Ct)).EnumerateArray().ToList();
        var hanging = rows.Single(r => r.GetProperty("targetKey").GetString() == Key("/hang/"));
        Assert.Equal($"webhook 0 ({fixture.Receiver.Url.AbsoluteUri}***)", hanging.GetProperty("target").GetString());
        // The attempt is still under way: nothing counted, nothing failed.
        Assert.Equal(("pending", 0), (hanging.GetProperty("status").GetString(), hanging.GetProperty("attempts").GetInt32()));
        // Without Notifications:BaseUrl links point at the host's own address (an in-memory test host has none: Urls' default).
        Assert.EndsWith($" http://127.0.0.1:8000/experiments/{first.ExperimentId}", hanging.GetProperty("text").GetString());

        // A second event holds the other delivery worker on the hanging webhook too.
        await Publisher.Publish(Finished("second"), Ct);
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (fixture.Receiver.Hanging < 2 && DateTime.UtcNow < until)
        {
            await Task.Delay(100, Ct);
        }

        Assert.True(fixture.Receiver.Hanging >= 2, $"{fixture.Receiver.Hanging} request(s) hang");
        var client = fixture.Host.Client;
        var id = await CreateAsync(client,
            SimExperiment("latency", 1, "3s", warmup: "0s", load: new { rate = 4, dataset = "random:input=32,output=8" }));
        var done = await WaitEndAsync(client, id, TimeSpan.FromSeconds(90));

        Assert.True(Status(done) == "completed", done.ToString());
        // It ended while the webhook still held both workers (an attempt may take two minutes): it never waited on them.
        Assert.True(fixture.Receiver.Hanging >= 2, $"{fixture.Receiver.Hanging} request(s) hang");
        var recorded = (await client.GetFromJsonAsync<JsonElement>($"/api/v1/notifications?experiment={id}", Ct)).EnumerateArray().ToList();
        Assert.Equal(2, recorded.Count);
        Assert.All(recorded, r => Assert.Equal(("experiment.completed", "pending"),
            (r.GetProperty("event").GetString(), r.GetProperty("status").GetString())));
    }

    private string Key(string path)
    {
        var settings = fixture.Host.Factory.Services.GetRequiredService<Aibench.Notifications.NotificationsSettings>();
        return settings.Webhooks.Single(w => w.Url.AbsolutePath.StartsWith(path, StringComparison.Ordinal)).Key;
    }
}
