using System.Net;
using Aibench.Notifications.Pages;
using Aibench.Tests.Infrastructure;
using Bunit;

namespace Aibench.Tests.Notifications;

/// <summary>A host with a webhook that answers (with a secret header and path) and one nobody listens on.</summary>
public sealed class NotificationsPageHost : IAsyncLifetime
{
    public const string HeaderSecret = "page-hdr-5ecret-42424242";
    public const string PathSecret = "page-path-5ecret-171717";

    public AibenchFactory Factory { get; private set; } = null!;

    public WebhookReceiver Receiver { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Receiver = await WebhookReceiver.StartAsync();
        Factory = new AibenchFactory(settings: new Dictionary<string, string?>
        {
            ["Notifications:Timeout"] = "5s",
            ["Notifications:RetryDelays"] = "",
            ["Notifications:Webhooks:0:Url"] = Receiver.UrlOf($"/ok/{PathSecret}"),
            ["Notifications:Webhooks:0:Name"] = "ops chat",
            ["Notifications:Webhooks:0:Headers:Authorization"] = $"Bearer {HeaderSecret}",
            ["Notifications:Webhooks:1:Url"] = $"http://127.0.0.1:{AibenchProcess.FreePort()}/dead",
            ["Notifications:Webhooks:1:Events"] = "experiment.failed,service.failed",
        });
        _ = Factory.Server;
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Receiver.DisposeAsync();
    }
}

/// <summary>The /notifications page against the real host's mediator: targets with secrets masked, deliveries with their outcome.</summary>
[Collection(nameof(HostCollection))]
public sealed class NotificationsPageTests : PageTest, IClassFixture<NotificationsPageHost>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public NotificationsPageTests(NotificationsPageHost host)
    {
        UseHost(host.Factory.Services);
    }

    [Fact]
    public void The_targets_show_their_events_and_masked_addresses_and_headers()
    {
        var page = Render<NotificationsPage>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=target-row]").Count), Patience);
        var rows = page.FindAll("[data-testid=target-row]");
        Assert.Contains("ops chat", rows[0].TextContent);
        Assert.Contains("Authorization: ***", rows[0].TextContent);
        Assert.Contains("/***", rows[0].TextContent);
        Assert.Contains("all", rows[0].TextContent);
        Assert.Contains("experiment.failed, service.failed", rows[1].TextContent);
        Assert.Contains("Up to 1 attempt of 5s", page.Find("[data-testid=targets]").TextContent);
        Assert.DoesNotContain(NotificationsPageHost.HeaderSecret, page.Markup);
        Assert.DoesNotContain(NotificationsPageHost.PathSecret, page.Markup);
    }

    [Fact]
    public void Sending_a_test_lists_a_delivery_per_target_with_its_outcome_and_why_it_failed()
    {
        var page = Render<NotificationsPage>();
        page.WaitForAssertion(() => Assert.False(page.Find("[data-testid=send-test]").HasAttribute("disabled")), Patience);

        page.Find("[data-testid=send-test]").Click();

        // The page follows the deliveries as they are tried (it reloads every 2 s).
        page.WaitForAssertion(() =>
        {
            var rows = page.FindAll("[data-testid=deliveries-table] tbody tr").Where(r
                => r.TextContent.Contains("Test notification", StringComparison.Ordinal)).ToList();
            Assert.Contains(rows, r => r.TextContent.Contains("ops chat", StringComparison.Ordinal)
                && r.QuerySelector("[data-testid=delivery-status]")!.TextContent.Trim() == "delivered");
            var dead = Assert.Single(rows, r => r.TextContent.Contains("webhook 1", StringComparison.Ordinal));
            Assert.Equal("failed", dead.QuerySelector("[data-testid=delivery-status]")!.TextContent.Trim());
            Assert.Contains("Connection refused", dead.QuerySelector("[data-testid=delivery-error]")!.TextContent);
            Assert.Contains("1 / 1", dead.TextContent);
        }, Patience);
        Assert.DoesNotContain(NotificationsPageHost.HeaderSecret, page.Markup);
        Assert.DoesNotContain(NotificationsPageHost.PathSecret, page.Markup);
    }
}

/// <summary>With no target configured the page says how to add one and the test endpoint refuses.</summary>
[Collection(nameof(HostCollection))]
public sealed class NotificationsWithoutTargetsTests : PageTest, IClassFixture<SqliteHost>
{
    private readonly SqliteHost _host;

    public NotificationsWithoutTargetsTests(SqliteHost host)
    {
        _host = host;
        UseHost(host.Factory.Services);
    }

    [Fact]
    public async Task A_test_is_refused_with_409_when_no_target_is_configured()
    {
        var client = _host.Factory.Authorized();
        var problem = await Problem.ReadAsync(await client.PostAsync("/api/v1/notifications/test", null, Xunit.TestContext.Current.CancellationToken),
            HttpStatusCode.Conflict);
        Assert.Contains("Notifications:Webhooks:0:Url", problem.GetProperty("detail").GetString());
        Assert.Equal("[]", await client.GetStringAsync("/api/v1/notifications", Xunit.TestContext.Current.CancellationToken));
    }

    [Fact]
    public void The_page_says_how_to_add_a_target_and_offers_no_test()
    {
        var page = Render<NotificationsPage>();
        page.WaitForAssertion(() => Assert.Contains("No target is configured", page.Find("[data-testid=targets]").TextContent),
            TimeSpan.FromSeconds(10));
        Assert.True(page.Find("[data-testid=send-test]").HasAttribute("disabled"));
        Assert.Contains("No notifications", page.Markup);
    }
}
