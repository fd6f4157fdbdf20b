// Long file: every delivery test shares one host and one receiving endpoint (NotificationHostFixture); split into
// classes, each would start its own.

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aibench.Contracts.Experiments;
using Aibench.Contracts.Server;
using Aibench.Tests.Infrastructure;
using Aibench.Tests.Server;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using static Aibench.Tests.Experiments.ExperimentDriver;

namespace Aibench.Tests.Notifications;

/// <summary>
/// A host with the local scheduler and five targets: a webhook that answers 200 (with secret headers and a secret path),
/// one that fails the first POST of each event, one nobody listens on, one that refuses with 400 (failures only), and
/// e-mail through Debian's dma into the local mailbox when dma is installed.
/// </summary>
public abstract class NotificationHostFixture : IAsyncLifetime
{
    public const string HeaderSecret = "hdr-5ecret-0123456789abcdef";
    public const string PathSecret = "path-5ecret-fedcba9876543210";
    public const string BaseUrl = "https://aibench.example.org:8443";

    private ServerHost? _host;
    private string? _database;

    protected abstract bool UsesPostgres { get; }

    public string? SkipReason { get; private set; }

    public ServerHost Host => _host ?? throw new InvalidOperationException("The host did not start.");

    public WebhookReceiver Receiver { get; private set; } = null!;

    public string DeadUrl { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        if (UsesPostgres)
        {
            SkipReason = PostgresServer.Unavailable();
            if (SkipReason is not null) return;
            _database = await PostgresServer.CreateDatabaseAsync();
        }

        Receiver = await WebhookReceiver.StartAsync();
        // Nothing listens there: connections are refused.
        DeadUrl = $"http://127.0.0.1:{AibenchProcess.FreePort()}/dead/hook";
        var settings = new Dictionary<string, string?>
        {
            ["Experiments:PollSeconds"] = "1",
            ["Experiments:CollectDelay"] = "1s",
            ["Experiments:Warmup"] = "1s",
            ["Notifications:BaseUrl"] = BaseUrl,
            ["Notifications:Timeout"] = "5s",
            // Two attempts, a second apart: enough to see a retry and a final failure quickly.
            ["Notifications:RetryDelays"] = "1s",
            ["Notifications:Webhooks:0:Url"] = Receiver.UrlOf($"/ok/{PathSecret}"),
            ["Notifications:Webhooks:0:Name"] = "team chat",
            ["Notifications:Webhooks:0:Headers:Authorization"] = $"Bearer {HeaderSecret}",
            ["Notifications:Webhooks:0:Headers:X-Team"] = "bench",
            ["Notifications:Webhooks:1:Url"] = Receiver.UrlOf("/flaky/hook"),
            ["Notifications:Webhooks:2:Url"] = DeadUrl,
            ["Notifications:Webhooks:3:Url"] = Receiver.UrlOf("/refuse/hook"),
            ["Notifications:Webhooks:3:Events"] = "experiment.failed",
        };
        if (LocalMailbox.Available)
        {
            settings["Notifications:Email:Enabled"] = "true";
            settings["Notifications:Email:To"] = Environment.UserName;
            settings["Notifications:Email:Sendmail"] = LocalMailbox.Sendmail;
        }

        if (_database is not null) settings["ConnectionStrings:Postgres"] = _database;
        _host = ServerHost.Start("local", extra: settings);
        _ = _host.Factory.Server;
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
        if (Receiver is not null) await Receiver.DisposeAsync();
        if (_database is not null) await PostgresServer.DropDatabaseAsync(_database);
        GC.SuppressFinalize(this);
    }
}

public sealed class SqliteNotificationHost : NotificationHostFixture
{
    protected override bool UsesPostgres => false;
}

public sealed class PostgresNotificationHost : NotificationHostFixture
{
    protected override bool UsesPostgres => true;
}

/// <summary>Events become deliveries, delivered to real receivers with retries, recorded and shown with secrets masked.</summary>
public abstract class NotificationDeliveryTests(NotificationHostFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ServerHost Host
    {
        get
        {
            Assert.SkipWhen(fixture.SkipReason is not null, fixture.SkipReason ?? "");
            return fixture.Host;
        }
    }

    private WebhookReceiver Receiver => fixture.Receiver;

    [Fact]
    public async Task A_completed_experiment_is_posted_once_to_each_webhook_with_its_headline_link_and_headers()
    {
        var client = Host.Client;
        var id = await CreateAsync(client, SimExperiment("latency", 1, "3s", warmup: "0s",
            load: new { rate = 4, dataset = "random:input=32,output=8" }, slo: new { ttft = "5s", target = 0.5 }));
        var done = await WaitEndAsync(client, id, TimeSpan.FromSeconds(120));
        Assert.True(Status(done) == "completed", done.ToString());

        bool Mine(JsonElement p) => p.TryGetProperty("experiment", out var x) && x.GetProperty("id").GetGuid() == id;
        var received = (await Receiver.WaitForAsync("/ok/", Mine, 1, Patience)).Single();
        var payload = received.Json;
        Assert.Equal("experiment.completed", payload.GetProperty("event").GetString());
        Assert.Equal($"{NotificationHostFixture.BaseUrl}/experiments/{id}", payload.GetProperty("url").GetString());
        var experiment = payload.GetProperty("experiment");
        Assert.Equal(done.GetProperty("experiment").GetProperty("name").GetString(), experiment.GetProperty("name").GetString());
        Assert.Equal("vllm-sim", experiment.GetProperty("recipe").GetString());
        Assert.Equal("latency", experiment.GetProperty("testType").GetString());
        Assert.Equal("completed", experiment.GetProperty("outcome").GetString());
        Assert.Equal("summarising", experiment.GetProperty("stage").GetString());
        Assert.Equal(done.GetProperty("experiment").GetProperty("serviceId").GetGuid(), experiment.GetProperty("serviceId").GetGuid());
        Assert.True(experiment.GetProperty("slo").GetProperty("passed").GetBoolean());
        var headline = payload.GetProperty("headline");
        var overall = done.GetProperty("result").GetProperty("overall");
        Assert.Equal(overall.GetProperty("completed").GetInt64(), headline.GetProperty("completed").GetInt64());
        Assert.True(headline.GetProperty("completed").GetInt64() > 0);
        Assert.Equal(overall.GetProperty("requestThroughput").GetDouble(), headline.GetProperty("requestsPerSecond").GetDouble());
        Assert.Equal(overall.GetProperty("ttftP99Ms").GetDouble(), headline.GetProperty("ttftP99Ms").GetDouble());
        Assert.Equal(0, headline.GetProperty("errorRate").GetDouble());
        // Slack and Mattermost show "text" as is: one line with the name, the outcome and the link.
        var text = payload.GetProperty("text").GetString()!;
        Assert.DoesNotContain('\n', text);
        Assert.Contains("completed", text);
        Assert.Contains(experiment.GetProperty("name").GetString()!, text);
        Assert.EndsWith($"/experiments/{id}", text);
        Assert.Equal("aibench", payload.GetProperty("source").GetString());
        Assert.Equal($"Bearer {NotificationHostFixture.HeaderSecret}", received.Headers["Authorization"]);
        Assert.Equal("bench", received.Headers["X-Team"]);
        Assert.StartsWith("application/json", received.Headers["Content-Type"]);

        // Once per target that wants it: the failure-only webhook is left out.
        var deliveries = await DeliveriesAsync($"experiment={id}", d => d.All(x => x.GetProperty("status").GetString() != "pending"));
        var targets = await TargetsAsync();
        var wanting = targets.Where(t => t.GetProperty("events").GetArrayLength() == 0).Select(t
            => t.GetProperty("key").GetString()).Order().ToList();
        Assert.Equal(wanting, deliveries.Select(d => d.GetProperty("targetKey").GetString()).Order());
        Assert.All(deliveries, d => Assert.Equal("experiment.completed", d.GetProperty("event").GetString()));
        Assert.Single(deliveries.Select(d => d.GetProperty("eventId").GetGuid()).Distinct());
        Assert.Equal(payload.GetProperty("id").GetGuid(), deliveries[0].GetProperty("eventId").GetGuid());
        Assert.Single(Receiver.To("/ok/", Mine));
    }

    [Fact]
    public async Task An_experiment_that_misses_its_slo_is_sent_as_slo_missed_not_completed()
    {
        var client = Host.Client;
        var id = await CreateAsync(client, SimExperiment("latency", 1, "3s", warmup: "0s",
            load: new { rate = 4, dataset = "random:input=32,output=8" }, slo: new { e2e = "1ms", target = 0.99 }));
        var done = await WaitEndAsync(client, id, TimeSpan.FromSeconds(120));
        Assert.True(Status(done) == "completed", done.ToString());

        var payload = (await Receiver.WaitForAsync("/ok/", p => p.TryGetProperty("experiment", out var x) && x.GetProperty("id").GetGuid() == id, 1,
            Patience)).Single().Json;
        Assert.Equal("experiment.slo_missed", payload.GetProperty("event").GetString());
        var slo = payload.GetProperty("experiment").GetProperty("slo");
        Assert.False(slo.GetProperty("passed").GetBoolean());
        Assert.StartsWith("failed", slo.GetProperty("summary").GetString());
        Assert.Contains("missed its SLO", payload.GetProperty("text").GetString());
        var deliveries = await DeliveriesAsync($"experiment={id}", d => d.Count > 0);
        Assert.All(deliveries, d => Assert.Equal("experiment.slo_missed", d.GetProperty("event").GetString()));
    }

    [Fact]
    public async Task A_webhook_that_fails_once_is_retried_with_the_same_body_and_recorded_delivered_after_two_attempts()
    {
        var eventId = await SendTestAsync();
        var flaky = await DeliveryAsync(eventId, "/flaky/", "delivered");

        Assert.Equal(2, flaky.GetProperty("attempts").GetInt32());
        Assert.Equal(2, flaky.GetProperty("maxAttempts").GetInt32());
        Assert.StartsWith("HTTP 500", flaky.GetProperty("lastError").GetString());
        Assert.Contains("try again later", flaky.GetProperty("lastError").GetString());
        var posts = Receiver.To("/flaky/", p => p.GetProperty("id").GetGuid() == eventId);
        Assert.Equal(2, posts.Count);
        Assert.Equal(posts[0].Body, posts[1].Body);
    }

    [Fact]
    public async Task A_dead_webhook_ends_failed_with_the_reason_after_every_attempt()
    {
        var eventId = await SendTestAsync();
        var dead = await DeliveryAsync(eventId, "dead", "failed");

        Assert.Equal(2, dead.GetProperty("attempts").GetInt32());
        Assert.Contains("refused", dead.GetProperty("lastError").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(JsonValueKind.Null, dead.GetProperty("nextAttemptAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, dead.GetProperty("deliveredAt").ValueKind);
    }

    [Fact]
    public async Task A_webhook_that_refuses_the_payload_is_not_retried()
    {
        var eventId = await SendTestAsync();
        var refused = await DeliveryAsync(eventId, "/refuse/", "failed");

        Assert.Equal(1, refused.GetProperty("attempts").GetInt32());
        Assert.Equal("HTTP 400 Bad Request: invalid_payload", refused.GetProperty("lastError").GetString());
        Assert.Single(Receiver.To("/refuse/", p => p.GetProperty("id").GetGuid() == eventId));
    }

    [Fact]
    public async Task A_test_event_reaches_every_target_whatever_its_event_list()
    {
        var response = await Host.Client.PostAsync("/api/v1/notifications/test", null, Ct);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var targets = await TargetsAsync();
        Assert.Equal(targets.Count, body.GetProperty("deliveries").GetArrayLength());
        Assert.All(body.GetProperty("deliveries").EnumerateArray(), d => Assert.Equal("pending", d.GetProperty("status").GetString()));

        var eventId = body.GetProperty("eventId").GetGuid();
        var payload = (await Receiver.WaitForAsync("/ok/", p => p.GetProperty("id").GetGuid() == eventId, 1, Patience)).Single().Json;
        Assert.Equal("test", payload.GetProperty("event").GetString());
        Assert.Equal($"{NotificationHostFixture.BaseUrl}/notifications", payload.GetProperty("url").GetString());
        Assert.False(payload.TryGetProperty("experiment", out _));
        await Receiver.WaitForAsync("/refuse/", p => p.GetProperty("id").GetGuid() == eventId, 1, Patience);
    }

    [Fact]
    public async Task A_failed_service_is_sent_as_service_failed_with_its_recipe_and_reason()
    {
        var id = (await Host.DeployAsync(new { recipe = "fails-at-start" })).GetProperty("id").GetGuid();
        await Host.WaitAsync(id, s => ServerHost.StatusIs(s, "failed"), Patience);

        var payload = (await Receiver.WaitForAsync("/ok/", p => p.TryGetProperty("service", out var s) && s.GetProperty("id").GetGuid() == id, 1,
            Patience)).Single().Json;
        Assert.Equal("service.failed", payload.GetProperty("event").GetString());
        var service = payload.GetProperty("service");
        Assert.Equal("fails-at-start", service.GetProperty("recipe").GetString());
        Assert.Equal("failed", service.GetProperty("status").GetString());
        Assert.Contains("exit code 3", service.GetProperty("reason").GetString());
        Assert.Equal($"{NotificationHostFixture.BaseUrl}/services/{id}", payload.GetProperty("url").GetString());
        Assert.StartsWith("Service fails-at-start", payload.GetProperty("text").GetString());
        var deliveries = await DeliveriesAsync($"service={id}", d => d.Count > 0);
        Assert.All(deliveries, d => Assert.Equal("service.failed", d.GetProperty("event").GetString()));
    }

    [Fact]
    public async Task A_restarted_service_is_sent_as_service_restarted_with_its_attempt()
    {
        var id = Guid.NewGuid();
        await Publisher.Publish(new ServiceRestarted(id, "vllm-sim", 2, 3, "a node failed (node3)", "4711", TimeSpan.FromSeconds(30),
            DateTimeOffset.UtcNow), Ct);

        var payload = (await Receiver.WaitForAsync("/ok/", p => p.TryGetProperty("service", out var s) && s.GetProperty("id").GetGuid() == id, 1,
            Patience)).Single().Json;
        Assert.Equal("service.restarted", payload.GetProperty("event").GetString());
        var service = payload.GetProperty("service");
        Assert.Equal((2, 3, "restarting", "4711", 30.0),
            (service.GetProperty("attempt").GetInt32(), service.GetProperty("maxRestarts").GetInt32(), service.GetProperty("status").GetString(),
             service.GetProperty("jobId").GetString(), service.GetProperty("backoffSeconds").GetDouble()));
        Assert.Contains("attempt 2 of 4: a node failed (node3)", payload.GetProperty("text").GetString());
    }

    [Fact]
    public async Task The_same_event_published_twice_is_recorded_once_per_target()
    {
        var finished = new ExperimentFinished(Guid.NewGuid(), "twice", "vllm-sim", "throughput", ExperimentOutcome.Failed, "the service failed: boom",
            ExperimentStage.Waiting, null, null, null, null, DateTimeOffset.UtcNow);
        await Publisher.Publish(finished, Ct);
        await Publisher.Publish(finished, Ct);

        var deliveries = await DeliveriesAsync($"experiment={finished.ExperimentId}", d
            => d.All(x => x.GetProperty("status").GetString() != "pending"));
        // Every target wants experiment.failed, the failure-only webhook included.
        Assert.Equal((await TargetsAsync()).Count, deliveries.Count);
        Assert.Equal(deliveries.Count, deliveries.Select(d => d.GetProperty("targetKey").GetString()).Distinct().Count());
        var posts = Receiver.To("/ok/", p => p.TryGetProperty("experiment", out var x) && x.GetProperty("id").GetGuid() == finished.ExperimentId);
        Assert.Single(posts);
        Assert.Equal("experiment.failed", posts[0].Json.GetProperty("event").GetString());
        Assert.Contains("failed during waiting", posts[0].Json.GetProperty("text").GetString());
        Assert.False(posts[0].Json.TryGetProperty("headline", out _));
    }

    [Fact]
    public async Task Secrets_are_masked_in_the_api_and_never_logged()
    {
        var eventId = await SendTestAsync();
        await DeliveryAsync(eventId, "/ok/", "delivered");
        await DeliveryAsync(eventId, "dead", "failed");

        var targetsJson = await Host.Client.GetStringAsync("/api/v1/notifications/targets", Ct);
        var listJson = await Host.Client.GetStringAsync("/api/v1/notifications?limit=1000", Ct);
        var targets = await TargetsAsync();
        var chat = targets.Single(t => t.GetProperty("name").GetString() == "team chat");
        Assert.Equal($"{Receiver.Url.Scheme}://{Receiver.Url.Authority}/***", chat.GetProperty("address").GetString());
        Assert.Equal("***", chat.GetProperty("headers").GetProperty("Authorization").GetString());
        Assert.Equal("***", chat.GetProperty("headers").GetProperty("X-Team").GetString());

        var logs = string.Concat(Directory.GetFiles(Path.Combine(Host.Factory.Home, "logs")).Select(f =>
        {
            using var stream = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return new StreamReader(stream).ReadToEnd();
        }));
        // The log does speak of the deliveries, by their masked target.
        Assert.Contains("team chat (http://127.0.0.1:", logs);
        foreach (var secret in new[] { NotificationHostFixture.HeaderSecret, NotificationHostFixture.PathSecret })
        {
            Assert.DoesNotContain(secret, targetsJson);
            Assert.DoesNotContain(secret, listJson);
            Assert.DoesNotContain(secret, logs);
        }
    }

    [Fact]
    public async Task Bad_filters_are_400_naming_the_field()
    {
        var status = await Problem.ReadAsync(await Host.Client.GetAsync("/api/v1/notifications?status=sleeping", Ct), HttpStatusCode.BadRequest);
        Assert.True(status.GetProperty("errors").TryGetProperty("status", out _), status.ToString());
        var kind = await Problem.ReadAsync(await Host.Client.GetAsync("/api/v1/notifications?event=experiment.done", Ct), HttpStatusCode.BadRequest);
        Assert.True(kind.GetProperty("errors").TryGetProperty("event", out _), kind.ToString());
        var limit = await Problem.ReadAsync(await Host.Client.GetAsync("/api/v1/notifications?limit=0", Ct), HttpStatusCode.BadRequest);
        Assert.True(limit.GetProperty("errors").TryGetProperty("limit", out _), limit.ToString());
    }

    [Fact]
    public async Task The_list_filters_by_status_and_event_newest_first()
    {
        var first = await SendTestAsync();
        await DeliveryAsync(first, "dead", "failed");
        var second = await SendTestAsync();
        await DeliveryAsync(second, "dead", "failed");

        var failed = await Host.Client.GetFromJsonAsync<JsonElement>("/api/v1/notifications?status=failed&event=test&limit=1000", Ct);
        var rows = failed.EnumerateArray().ToList();
        Assert.All(rows, r => Assert.Equal(("failed", "test"), (r.GetProperty("status").GetString(), r.GetProperty("event").GetString())));
        var order = rows.Select(r => r.GetProperty("eventId").GetGuid()).Where(e => e == first || e == second).Distinct().ToList();
        Assert.Equal([second, first], order);
    }

    [Fact]
    public async Task An_email_reaches_the_local_mailbox_through_sendmail_as_an_rfc_5322_message()
    {
        Assert.SkipUnless(LocalMailbox.Available, $"{LocalMailbox.Sendmail} is not installed (Debian's dma; scripts/test.sh installs it)");
        var eventId = await SendTestAsync();
        var email = await DeliveryAsync(eventId, "email", "delivered");
        Assert.Equal(1, email.GetProperty("attempts").GetInt32());
        Assert.Equal($"e-mail to {Environment.UserName}", email.GetProperty("target").GetString());

        var message = await LocalMailbox.WaitForAsync($"Event:       test {eventId}", Patience);
        var (headers, body) = LocalMailbox.Split(message);
        Assert.Equal(Environment.UserName, headers["To"]);
        Assert.StartsWith("aibench <", headers["From"]);
        Assert.Equal("[aibench] Test notification", headers["Subject"]);
        Assert.Equal($"<{eventId:N}.", headers["Message-ID"][..34]);
        Assert.Equal("text/plain; charset=utf-8", headers["Content-Type"]);
        Assert.Equal("test", headers["X-Aibench-Event"]);
        Assert.True(DateTimeOffset.TryParseExact(headers["Date"], "ddd, dd MMM yyyy HH:mm:ss +0000",
            System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal, out _), headers["Date"]);
        Assert.Contains("Test notification from aibench", body);
        Assert.Contains($"Link:        {NotificationHostFixture.BaseUrl}/notifications", body);
    }

    private IPublisher Publisher => Host.Factory.Services.GetRequiredService<IPublisher>();

    private async Task<Guid> SendTestAsync()
    {
        var response = await Host.Client.PostAsync("/api/v1/notifications/test", null, Ct);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, body.ToString());
        return body.GetProperty("eventId").GetGuid();
    }

    private async Task<List<JsonElement>> TargetsAsync() =>
        [.. (await Host.Client.GetFromJsonAsync<JsonElement>("/api/v1/notifications/targets", Ct)).GetProperty("targets").EnumerateArray()];

    /// <summary>Polls the deliveries matching the query until <paramref name="done"/> holds.</summary>
    private async Task<List<JsonElement>> DeliveriesAsync(string query, Func<List<JsonElement>, bool> done)
    {
        var until = DateTime.UtcNow + Patience;
        List<JsonElement> rows;
        do
        {
            rows = [.. (await Host.Client.GetFromJsonAsync<JsonElement>($"/api/v1/notifications?{query}&limit=1000", Ct)).EnumerateArray()];
            if (done(rows)) return rows;
            await Task.Delay(200, Ct);
        }
        while (DateTime.UtcNow < until);

        Assert.Fail($"deliveries of {query} did not get there; last seen: {string.Join(" | ", rows)}");
        return rows;
    }

    /// <summary>The test event's delivery to the target whose shown address or channel contains <paramref name="target"/>, once in <paramref
    /// name="status"/>.</summary>
    private async Task<JsonElement> DeliveryAsync(Guid eventId, string target, string status)
    {
        var targets = await TargetsAsync();
        var key = targets.Single(t => t.GetProperty("key").GetString()!.StartsWith(target, StringComparison.Ordinal)
            || (t.GetProperty("channel").GetString() == "webhook"
                && TargetUrl(t.GetProperty("key").GetString()!).Contains(target, StringComparison.Ordinal)))
            .GetProperty("key").GetString();
        var rows = await DeliveriesAsync("event=test", d
            => d.Any(x => x.GetProperty("eventId").GetGuid() == eventId && x.GetProperty("targetKey").GetString() == key
            && x.GetProperty("status").GetString() == status));
        return rows.Single(x => x.GetProperty("eventId").GetGuid() == eventId && x.GetProperty("targetKey").GetString() == key);
    }

    /// <summary>The configured address of a webhook key: the tests know what they configured, the API does not say it.</summary>
    private string TargetUrl(string key)
    {
        var settings = Host.Factory.Services.GetRequiredService<Aibench.Notifications.NotificationsSettings>();
        return settings.Webhooks.Single(w => w.Key == key).Url.AbsoluteUri;
    }
}

[Collection(nameof(HostCollection))]
public sealed class SqliteNotificationDeliveryTests(SqliteNotificationHost host) : NotificationDeliveryTests(host),
    IClassFixture<SqliteNotificationHost>;

[Collection(nameof(HostCollection))]
public sealed class PostgresNotificationDeliveryTests(PostgresNotificationHost host) : NotificationDeliveryTests(host),
    IClassFixture<PostgresNotificationHost>;
