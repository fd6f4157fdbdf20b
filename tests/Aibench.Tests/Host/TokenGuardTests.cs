using Aibench.Host.Security;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Aibench.Tests.Host;

public sealed class TokenGuardTests
{
    [Fact]
    public void Wrong_attempts_are_refused_past_the_limit_until_the_window_passes()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-07T08:00:00Z"));
        var guard = new TokenGuard(time, new FakeLogger<TokenGuard>());
        for (var i = 0; i < TokenGuard.MaxFailures; i++)
        {
            Assert.Equal(TimeSpan.Zero, guard.Failed());
            time.Advance(TimeSpan.FromSeconds(1));
        }

        var wait = guard.Failed();
        Assert.Equal(TimeSpan.FromSeconds(60 - TokenGuard.MaxFailures), wait);

        time.Advance(TokenGuard.Window);
        Assert.Equal(TimeSpan.Zero, guard.Failed());
    }

    [Fact]
    public void A_flood_is_logged_once_a_minute_with_its_count()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-07T08:00:00Z"));
        var logger = new FakeLogger<TokenGuard>();
        var guard = new TokenGuard(time, logger);
        for (var i = 0; i < 10_000; i++)
        {
            guard.Failed();
            time.Advance(TimeSpan.FromMilliseconds(10)); // 100 s in all
        }

        var lines = logger.Collector.GetSnapshot();
        Assert.Equal(2, lines.Count); // the first attempt at once, then the 6,000 of the next minute
        Assert.Contains("1 wrong access token", lines[0].Message, StringComparison.Ordinal);
        Assert.Contains("6000 wrong access token", lines[1].Message, StringComparison.Ordinal);
    }
}
