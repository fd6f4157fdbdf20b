using System.Net;
using System.Net.Sockets;
using Aibench.Server.Lifecycle;
using Aibench.Shared.Resilience;
using Aibench.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Aibench.Tests.Server;

/// <summary>
/// The readiness probe's circuit against real HTTP targets: endpoints that do not answer open it and are then skipped
/// without a request until one trial after the break; endpoints that refuse or answer an error (a starting server)
/// never open it. The breaker's clock is fake, the network is real; the probe waits 2 s instead of 3 s (long enough
/// for an answering target on a loaded machine, short enough for three timeouts).
/// </summary>
public sealed class ReadinessProbeCircuitTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-07T08:00:00Z"));
    private readonly CircuitBreakers _breakers;
    private readonly ServiceProvider _services;
    private readonly ReadinessProbe _probe;

    public ReadinessProbeCircuitTests()
    {
        _breakers = new CircuitBreakers(_time);
        _services = new ServiceCollection().AddHttpClient(ReadinessProbe.ClientName, c
            => c.Timeout = TimeSpan.FromSeconds(2)).Services.BuildServiceProvider();
        _probe = new ReadinessProbe(_services.GetRequiredService<IHttpClientFactory>(), _breakers);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _services.Dispose();

    private static string Base(Uri url) => url.GetLeftPart(UriPartial.Authority);

    [Fact]
    public async Task An_endpoint_that_does_not_answer_is_skipped_after_three_timeouts_until_a_trial_finds_it_ready()
    {
        await using var target = await FlakyTarget.StartAsync();
        target.Hang();
        var name = $"probe:127.0.0.1:{target.Url.Port}";

        for (var i = 1; i <= ReadinessProbe.Policy.Failures; i++)
        {
            var result = await _probe.ProbeAsync(Base(target.Url), "/health", Ct);
            Assert.Equal(new ProbeResult(false, "no answer within 2 s"), result);
            Assert.Equal(i, target.Requests);
        }

        var open = _breakers.Find(name);
        Assert.Equal(BreakerState.Open, open?.State);

        // Skipped: false at once, with the circuit's words, and no request reaches the endpoint.
        var skipped = await _probe.ProbeAsync(Base(target.Url), "/health", Ct);
        Assert.False(skipped.Ready);
        Assert.True(skipped.Skipped);
        Assert.Equal("circuit open since 08:00:00 UTC after 3 failed calls: no answer within 2 s; next try at 08:00:10 UTC", skipped.Error);
        Assert.False(await _probe.AnswersAsync(Base(target.Url), "/health", Ct));
        Assert.Equal(3, target.Requests);

        target.Serve("ok");
        _time.Advance(ReadinessProbe.Policy.BreakFor);
        Assert.Equal(new ProbeResult(true), await _probe.ProbeAsync(Base(target.Url), "/health", Ct));
        Assert.Equal(4, target.Requests);
        Assert.Equal(BreakerState.Closed, _breakers.Find(name)?.State);
    }

    [Fact]
    public async Task A_starting_server_that_refuses_or_answers_503_never_opens_the_circuit_and_is_seen_ready_at_once()
    {
        // Nothing listens on this port yet: a server still loading its model.
        int port;
        using (var reserve = new TcpListener(IPAddress.Loopback, 0))
        {
            reserve.Start();
            port = ((IPEndPoint)reserve.LocalEndpoint).Port;
        }

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(new ProbeResult(false, "connection refused"), await _probe.ProbeAsync($"http://127.0.0.1:{port}", "/health", Ct));
        }

        Assert.Equal(new CircuitView($"probe:127.0.0.1:{port}", BreakerState.Closed, _time.GetUtcNow(), 0, null, null, null, 0, null, null,
            _time.GetUtcNow()),
            _breakers.Find($"probe:127.0.0.1:{port}"));

        await using var target = await FlakyTarget.StartAsync();
        target.Fail(503);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(new ProbeResult(false, "HTTP 503"), await _probe.ProbeAsync(Base(target.Url), "/health", Ct));
        }

        target.Serve("ok");
        Assert.True(await _probe.AnswersAsync(Base(target.Url), "/health", Ct));
        Assert.Equal(6, target.Requests);
        Assert.Equal(BreakerState.Closed, _breakers.Find($"probe:127.0.0.1:{target.Url.Port}")?.State);
    }

    [Fact]
    public async Task A_reset_endpoint_is_probed_at_once_although_its_address_was_silent()
    {
        await using var target = await FlakyTarget.StartAsync();
        target.Hang();
        for (var i = 0; i < ReadinessProbe.Policy.Failures; i++)
        {
            await _probe.ProbeAsync(Base(target.Url), "/health", Ct);
        }

        Assert.True((await _probe.ProbeAsync(Base(target.Url), "/health", Ct)).Skipped);
        target.Serve("ok");
        Assert.True(_probe.Reset(Base(target.Url)));
        Assert.Null(_breakers.Find($"probe:127.0.0.1:{target.Url.Port}"));
        Assert.Equal(new ProbeResult(true), await _probe.ProbeAsync(Base(target.Url), "/health", Ct));
        Assert.Equal(4, target.Requests);
        Assert.False(_probe.Reset("not a url"));
    }

    [Fact]
    public async Task A_failed_trial_keeps_skipping_for_another_break()
    {
        await using var target = await FlakyTarget.StartAsync();
        target.Hang();
        for (var i = 0; i < ReadinessProbe.Policy.Failures; i++)
        {
            await _probe.ProbeAsync(Base(target.Url), "/health", Ct);
        }

        _time.Advance(ReadinessProbe.Policy.BreakFor);
        Assert.Equal(new ProbeResult(false, "no answer within 2 s"), await _probe.ProbeAsync(Base(target.Url), "/health", Ct));
        Assert.Equal(4, target.Requests);
        Assert.True((await _probe.ProbeAsync(Base(target.Url), "/health", Ct)).Skipped);
        Assert.Equal(4, target.Requests);
    }
}
