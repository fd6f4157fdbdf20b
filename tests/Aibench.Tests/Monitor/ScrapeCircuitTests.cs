using Aibench.Monitor;
using Aibench.Monitor.Scraping;
using Aibench.Shared.Resilience;
using Aibench.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Aibench.Tests.Monitor;

/// <summary>
/// The scraper's circuit against a real HTTP target: failed scrapes open it, skipped scrapes come back as down with
/// "circuit open" and send nothing, and a trial after the break brings the samples back. The breaker's clock is fake.
/// </summary>
public sealed class ScrapeCircuitTests : IDisposable
{
    private static readonly MonitorSettings Settings = new(5, TimeSpan.FromSeconds(2), TimeSpan.FromDays(14), true);

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-07T08:00:00Z"));
    private readonly CircuitBreakers _breakers;
    private readonly ServiceProvider _services;
    private readonly Scraper _scraper;

    public ScrapeCircuitTests()
    {
        _breakers = new CircuitBreakers(_time);
        _services = new ServiceCollection().AddHttpClient(Scraper.ClientName).Services.BuildServiceProvider();
        _scraper = new Scraper(_services.GetRequiredService<IHttpClientFactory>(), Settings, _breakers);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _services.Dispose();

    private static Target TargetAt(Uri url) =>
        new($"service/{Guid.Empty}/service/0", "service", new Uri(url, "/metrics"), Guid.Empty, null, "sim", 0, "node1", "1");

    [Fact]
    public void The_policy_follows_the_scrape_interval()
    {
        Assert.Equal(new BreakerPolicy(3, TimeSpan.FromSeconds(50), TimeSpan.FromSeconds(15)), Scraper.Policy(Settings));
        Assert.Equal(new BreakerPolicy(3, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10)), Scraper.Policy(Settings with { ScrapeSeconds = 1 }));
        Assert.Equal(new BreakerPolicy(3, TimeSpan.FromSeconds(300), TimeSpan.FromSeconds(60)), Scraper.Policy(Settings with { ScrapeSeconds = 30 }));
    }

    [Fact]
    public async Task A_failing_target_is_skipped_as_down_after_three_failed_scrapes_and_scraped_again_after_the_break()
    {
        await using var server = await FlakyTarget.StartAsync();
        var target = TargetAt(server.Url);
        server.Fail(500);

        for (var i = 1; i <= 3; i++)
        {
            var failed = await _scraper.ScrapeAsync(target, Ct);
            Assert.Equal("HTTP 500", failed.Error);
            Assert.Equal(i, server.Requests);
        }

        server.Hang();
        var skipped = await _scraper.ScrapeAsync(target, Ct);
        Assert.Empty(skipped.Samples);
        Assert.Equal("circuit open since 08:00:00 UTC after 3 failed calls: HTTP 500; next try at 08:00:15 UTC", skipped.Error);
        Assert.Equal(3, server.Requests);
        Assert.Equal(BreakerState.Open, _breakers.Find($"scrape:127.0.0.1:{server.Url.Port}")?.State);

        // Hanging now: the trial times out and opens it again for another break.
        _time.Advance(Scraper.Policy(Settings).BreakFor);
        Assert.Equal("no answer within 2s", (await _scraper.ScrapeAsync(target, Ct)).Error);
        Assert.Equal(4, server.Requests);
        Assert.StartsWith("circuit open since 08:00:00 UTC", (await _scraper.ScrapeAsync(target, Ct)).Error);

        server.Serve("# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running 3\n");
        _time.Advance(Scraper.Policy(Settings).BreakFor);
        var back = await _scraper.ScrapeAsync(target, Ct);
        Assert.Null(back.Error);
        Assert.Equal(3, Assert.Single(back.Samples).Value);
        Assert.Equal(BreakerState.Closed, _breakers.Find($"scrape:127.0.0.1:{server.Url.Port}")?.State);
    }

    [Fact]
    public async Task The_host_itself_has_no_circuit()
    {
        for (var i = 0; i < 4; i++) await _scraper.ScrapeAsync(Scraper.HostTarget, Ct);
        Assert.Empty(_breakers.Views());
    }
}
