using Aibench.Shared.Resilience;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Aibench.Tests.Shared;

/// <summary>
/// The breaker policy on Polly.Core with a fake clock: failed calls in a row open it, an open circuit fails fast
/// without calling, one trial after the break closes or re-opens it, and the registry says so.
/// </summary>
public sealed class CircuitBreakerTests
{
    private static readonly BreakerPolicy Policy = new(3, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(15));

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-07T08:00:00Z"));
    private readonly FakeLogger<CircuitBreakers> _log = new();
    private readonly CircuitBreakers _breakers;
    private readonly List<CircuitView> _changes = [];
    private int _calls;

    public CircuitBreakerTests()
    {
        _breakers = new CircuitBreakers(_time, _log);
        _breakers.Changed += _changes.Add;
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private CircuitBreaker Breaker(string name = "scheduler:test") =>
        _breakers.Get(name, Policy, e => e is TimeoutException ? e.Message : null);

    private Task<int> FailAsync(CircuitBreaker breaker, string why = "no answer") => breaker.ExecuteAsync<int>(_ =>
    {
        _calls++;
        throw new TimeoutException(why);
    }, null, Ct);

    private Task<int> SucceedAsync(CircuitBreaker breaker) => breaker.ExecuteAsync(_ =>
    {
        _calls++;
        return Task.FromResult(42);
    }, null, Ct);

    [Fact]
    public async Task Opens_after_the_failed_calls_in_a_row_and_then_fails_fast_without_calling()
    {
        var breaker = Breaker();
        for (var i = 1; i <= 2; i++)
        {
            await Assert.ThrowsAsync<TimeoutException>(() => FailAsync(breaker, $"failure {i}"));
            Assert.Equal(BreakerState.Closed, breaker.View.State);
            Assert.Equal(i, breaker.View.Failures);
        }

        var opensAt = _time.GetUtcNow();
        // The call that opens it is still the call's own error, re-thrown as it was.
        var third = await Assert.ThrowsAsync<TimeoutException>(() => FailAsync(breaker, "failure 3"));
        Assert.Equal("failure 3", third.Message);

        var open = breaker.View;
        Assert.Equal(BreakerState.Open, open.State);
        Assert.Equal(opensAt, open.Since);
        Assert.Equal(opensAt + Policy.BreakFor, open.RetryAt);
        Assert.Equal(1, open.Opened);
        Assert.Equal(3, open.OpenedAfter);
        Assert.Equal("failure 3", open.OpenedBy);
        Assert.Equal("circuit open since 08:00:00 UTC after 3 failed calls: failure 3", open.Summary);
        Assert.Equal("circuit open since 08:00:00 UTC after 3 failed calls: failure 3; next try at 08:00:15 UTC", open.Detail);

        _time.Advance(TimeSpan.FromSeconds(14));
        var fast = await Assert.ThrowsAsync<CircuitOpenException>(() => SucceedAsync(breaker));
        Assert.Equal(open.Summary, fast.Message);
        Assert.Equal(3, _calls);
        Assert.Equal(3, breaker.View.Failures);
        Assert.Contains(_log.Collector.GetSnapshot(), r => r.Level == Microsoft.Extensions.Logging.LogLevel.Warning
            && r.Message.Contains("scheduler:test opened after 3"));
    }

    [Fact]
    public async Task A_success_starts_the_count_again_even_one_just_before_the_failures()
    {
        var breaker = Breaker();
        await Assert.ThrowsAsync<TimeoutException>(() => FailAsync(breaker));
        await Assert.ThrowsAsync<TimeoutException>(() => FailAsync(breaker));
        Assert.Equal(42, await SucceedAsync(breaker));
        Assert.Equal(0, breaker.View.Failures);

        // Polly alone would hold the circuit closed while the success is in its window (failure ratio below 1.0);
        // counted in a row, the third failure after it opens the circuit.
        for (var i = 0; i < 2; i++)
        {
            await Assert.ThrowsAsync<TimeoutException>(() => FailAsync(breaker));
            Assert.Equal(BreakerState.Closed, breaker.View.State);
        }

        await Assert.ThrowsAsync<TimeoutException>(() => FailAsync(breaker));
        Assert.Equal(BreakerState.Open, breaker.View.State);
    }

    [Fact]
    public async Task Failures_older_than_the_window_are_forgotten()
    {
        var breaker = Breaker();
        await Assert.ThrowsAsync<TimeoutException>(() => FailAsync(breaker));
        await Assert.ThrowsAsync<TimeoutException>(() => FailAsync(breaker));
        _time.Advance(Policy.Window + TimeSpan.FromSeconds(5));

        await Assert.ThrowsAsync<TimeoutException>(() => FailAsync(breaker));
        Assert.Equal(BreakerState.Closed, breaker.View.State);
        // Still counted in a row for the record; only the window decides.
        Assert.Equal(3, breaker.View.Failures);

        await Assert.ThrowsAsync<TimeoutException>(() => FailAsync(breaker));
        await Assert.ThrowsAsync<TimeoutException>(() => FailAsync(breaker));
        Assert.Equal(BreakerState.Open, breaker.View.State);
    }

    [Fact]
    public async Task After_the_break_one_trial_goes_through_and_a_success_closes_it()
    {
        var breaker = Breaker();
        for (var i = 0; i < 3; i++) await Assert.ThrowsAsync<TimeoutException>(() => FailAsync(breaker));
        _time.Advance(Policy.BreakFor);
        Assert.Equal("circuit open since 08:00:00 UTC after 3 failed calls: no answer; the next call is a trial", breaker.Describe());

        // While the trial runs, the circuit is half-open and other calls still fail fast.
        var trialStarted = new TaskCompletionSource();
        var finishTrial = new TaskCompletionSource<int>();
        var trial = breaker.ExecuteAsync(async _ =>
        {
            _calls++;
            trialStarted.SetResult();
            return await finishTrial.Task;
        }, null, Ct);
        await trialStarted.Task;
        Assert.Equal(BreakerState.HalfOpen, breaker.View.State);
        await Assert.ThrowsAsync<CircuitOpenException>(() => SucceedAsync(breaker));
        Assert.Equal(4, _calls);

        finishTrial.SetResult(7);
        Assert.Equal(7, await trial);
        var closed = breaker.View;
        Assert.Equal(BreakerState.Closed, closed.State);
        Assert.Equal(0, closed.Failures);
        Assert.Equal(_time.GetUtcNow(), closed.Since);
        Assert.Null(closed.RetryAt);
        Assert.Equal(1, closed.Opened);
        Assert.Equal([BreakerState.Closed, BreakerState.Open, BreakerState.HalfOpen, BreakerState.Closed], _changes.Select(c => c.State));
        Assert.Equal(42, await SucceedAsync(breaker));
    }

    [Fact]
    public async Task A_failed_trial_opens_it_for_another_break_as_the_same_outage()
    {
        var breaker = Breaker();
        for (var i = 0; i < 3; i++) await Assert.ThrowsAsync<TimeoutException>(() => FailAsync(breaker, "refused"));
        var first = breaker.View;

        _time.Advance(Policy.BreakFor + TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<TimeoutException>(() => FailAsync(breaker, "still refused"));
        var again = breaker.View;
        Assert.Equal(BreakerState.Open, again.State);
        Assert.Equal(_time.GetUtcNow() + Policy.BreakFor, again.RetryAt);
        Assert.Equal(4, again.Failures);
        Assert.Equal("still refused", again.LastError);
        // One outage: the same start, the same opening error, one opening counted, so callers' reasons do not change.
        Assert.Equal(first.Since, again.Since);
        Assert.Equal(first.Summary, again.Summary);
        Assert.Equal(1, again.Opened);

        await Assert.ThrowsAsync<CircuitOpenException>(() => SucceedAsync(breaker));
        Assert.Equal(4, _calls);
    }

    [Fact]
    public async Task Errors_that_are_not_failures_reach_the_caller_and_count_as_answers()
    {
        var breaker = Breaker();
        await Assert.ThrowsAsync<TimeoutException>(() => FailAsync(breaker));
        await Assert.ThrowsAsync<TimeoutException>(() => FailAsync(breaker));
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(()
            => breaker.ExecuteAsync<int>(_ => throw new InvalidOperationException("partition gpu does not exist"), null, Ct));
        Assert.Equal("partition gpu does not exist", refused.Message);
        Assert.Equal(0, breaker.View.Failures);
        Assert.Equal(BreakerState.Closed, breaker.View.State);
    }

    [Fact]
    public async Task A_result_can_be_a_failure_too()
    {
        var breaker = Breaker();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("down", await breaker.ExecuteAsync(_ => Task.FromResult("down"), r => r == "down" ? "the target says it is down" : null,
                Ct));
        }

        Assert.Equal(BreakerState.Open, breaker.View.State);
        Assert.Equal("the target says it is down", breaker.View.OpenedBy);
    }

    [Fact]
    public async Task The_registry_lists_every_breaker_and_forgets_idle_closed_transient_ones()
    {
        var scheduler = Breaker("scheduler:slurm");
        var probe = _breakers.Get("probe:node1:8000", Policy, _ => null, transient: true);
        Assert.Equal(["probe:node1:8000", "scheduler:slurm"], _breakers.Views().Select(v => v.Name));
        Assert.Equal(["scheduler:slurm", "probe:node1:8000"], _changes.Select(c => c.Name));
        Assert.Same(probe, _breakers.Get("probe:node1:8000", Policy, _ => null, transient: true));
        Assert.Equal("node1:8000", probe.View.Target);
        Assert.Equal("probe", probe.View.Kind);

        var removed = new List<string>();
        _breakers.Removed += removed.Add;
        _time.Advance(CircuitBreakers.ForgetAfter + TimeSpan.FromMinutes(1));
        await SucceedAsync(scheduler);
        _breakers.Get("probe:node2:8000", Policy, _ => null, transient: true);

        Assert.Equal(["probe:node1:8000"], removed);
        Assert.Equal(["probe:node2:8000", "scheduler:slurm"], _breakers.Views().Select(v => v.Name));
        Assert.Null(_breakers.Find("probe:node1:8000"));
    }

    [Theory]
    [InlineData(1, 30, 15, "Failures")]
    [InlineData(3, 0.1, 15, "Window")]
    [InlineData(3, 30, 0.1, "BreakFor")]
    public void A_policy_Polly_would_refuse_is_refused_naming_the_field(int failures, double windowSeconds, double breakSeconds, string field)
    {
        var policy = new BreakerPolicy(failures, TimeSpan.FromSeconds(windowSeconds), TimeSpan.FromSeconds(breakSeconds));
        Assert.StartsWith(field, policy.Problem());
        var e = Assert.Throws<ArgumentException>(() => _breakers.Get("x", policy, _ => null));
        Assert.Contains(field, e.Message);
    }
}
