using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;

namespace Aibench.Shared.Resilience;

/// <summary>
/// One named circuit breaker: Polly.Core's circuit breaker strategy with the bookkeeping that /ready, /metrics and the
/// pages show (state, since when, failed calls in a row, the last error, the next trial).
/// <para>
/// Polly opens a circuit on a failure <em>ratio</em> over a sliding window. aibench wants "N failed calls in a row":
/// a failed SLURM call can take 40 s (squeue waits 9 s for a dead controller, retried 3 times), so a short window never
/// holds N of them, and with a long one a single success before an outage keeps the circuit closed for the whole
/// window. So the window is emptied (through Polly's manual control, while closed) at the first failure after a
/// success; from then on it holds only failures, the ratio is 1.0, and the circuit opens on the N-th failure in a row
/// that falls within <see cref="BreakerPolicy.Window"/>. See ADR 0012.
/// </para>
/// <para>
/// The guarded call never throws through Polly: its outcome (a result, or an exception captured with whether it
/// counts as a failure) is a value, judged by <c>ShouldHandle</c>, and re-thrown outside. Exceptions that are not
/// failures (a refused submission, a cancellation) thus count as calls that worked, so a trial call can never leave
/// the circuit half-open for good.
/// </para>
/// </summary>
public sealed class CircuitBreaker
{
    private readonly object _gate = new();
    private readonly ResiliencePipeline _pipeline;
    private readonly CircuitBreakerManualControl _control = new();
    private readonly CircuitBreakerStateProvider _polly = new();
    private readonly Func<Exception, string?> _failureOf;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action<CircuitView> _changed;

    private BreakerState _state = BreakerState.Closed;
    private DateTimeOffset _since;
    private int _failures;
    private string? _lastError;
    private DateTimeOffset? _lastFailureAt;
    private DateTimeOffset? _retryAt;
    private long _opened;
    private string? _openedBy;
    private int? _openedAfter;
    private long _lastUsedTicks;

    internal CircuitBreaker(string name, BreakerPolicy policy, Func<Exception, string?> failureOf, bool transient, TimeProvider time, ILogger logger,
        Action<CircuitView> changed)
    {
        if (policy.Problem() is { } problem)
        {
            throw new ArgumentException($"Circuit {name}: {problem}.", nameof(policy));
        }

        Name = name;
        Policy = policy;
        Transient = transient;
        _failureOf = failureOf;
        _time = time;
        _logger = logger;
        _changed = changed;
        _since = time.GetUtcNow();
        _lastUsedTicks = _since.UtcTicks;
        _pipeline = new ResiliencePipelineBuilder { Name = name, TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = 1.0,
                MinimumThroughput = policy.Failures,
                SamplingDuration = policy.Window,
                BreakDuration = policy.BreakFor,
                ShouldHandle = args => JudgeAsync(args.Outcome),
                OnOpened = args => OnOpened(args.BreakDuration),
                OnHalfOpened = _ => OnHalfOpened(),
                OnClosed = _ => OnClosed(),
                StateProvider = _polly,
                ManualControl = _control,
            })
            .Build();
    }

    public string Name { get; }

    public BreakerPolicy Policy { get; }

    /// <summary>Made for one target among many (an endpoint): forgotten once closed and unused for a while.</summary>
    public bool Transient { get; }

    internal DateTimeOffset LastUsed => new(Interlocked.Read(ref _lastUsedTicks), TimeSpan.Zero);

    public CircuitView View
    {
        get
        {
            lock (_gate)
            {
                return ViewLocked();
            }
        }
    }

    /// <summary>The state in words, with the next trial's time (see <see cref="CircuitView.Describe"/>).</summary>
    public string Describe() => View.Detail;

    /// <summary>
    /// Runs <paramref name="call"/> unless the circuit is open, in which case <see cref="CircuitOpenException"/> is thrown
    /// at once. A call fails for the breaker when it throws an exception the breaker was made to count, or when
    /// <paramref name="failureOf"/> finds a failure in its result; every exception is re-thrown to the caller as it was.
    /// </summary>
    public async Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> call, Func<T, string?>? failureOf, CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref _lastUsedTicks, _time.GetUtcNow().UtcTicks);
        Attempt<T> outcome;
        try
        {
            outcome = await _pipeline.ExecuteAsync(async ct =>
            {
                try
                {
                    var result = await call(ct);
                    return new Attempt<T>(result, null, failureOf?.Invoke(result));
                }
                catch (Exception e)
                {
                    return new Attempt<T>(default, ExceptionDispatchInfo.Capture(e), e is OperationCanceledException ? null : _failureOf(e));
                }
            }, cancellationToken);
        }
        catch (BrokenCircuitException e)
        {
            throw new CircuitOpenException(View, e);
        }

        outcome.Error?.Throw();
        return outcome.Result!;
    }

    public Task ExecuteAsync(Func<CancellationToken, Task> call, CancellationToken cancellationToken) =>
        ExecuteAsync<bool>(async ct =>
        {
            await call(ct);
            return true;
        }, null, cancellationToken);

    private sealed record Attempt<T>(T? Result, ExceptionDispatchInfo? Error, string? Failure) : IJudged;

    private interface IJudged
    {
        string? Failure { get; }
    }

    private async ValueTask<bool> JudgeAsync(Outcome<object> outcome)
    {
        // Only BrokenCircuitException-free outcomes come here, and the guarded call never throws: anything else is a
        // bug in this class, counted as a failure so that it shows.
        var failure = outcome.Result is IJudged judged ? judged.Failure : outcome.Exception?.Message;
        var now = _time.GetUtcNow();
        bool firstInARow;
        lock (_gate)
        {
            if (failure is null)
            {
                _failures = 0;
                return false;
            }

            firstInARow = _failures == 0;
            _failures++;
            _lastError = failure.Length > 500 ? failure[..497] + "..." : failure;
            _lastFailureAt = now;
        }

        // The first failure after a success empties Polly's window, so that it counts failures in a row (see above).
        // Only while closed: closing by hand during a trial or a break would end it.
        if (firstInARow && _polly.CircuitState == CircuitState.Closed)
        {
            await _control.CloseAsync(CancellationToken.None);
        }

        return true;
    }

    private ValueTask OnOpened(TimeSpan breakDuration)
    {
        var now = _time.GetUtcNow();
        bool outage;
        CircuitView view;
        lock (_gate)
        {
            outage = _state == BreakerState.Closed;
            if (outage)
            {
                _since = now;
                _opened++;
                _openedBy = _lastError;
                _openedAfter = _failures;
            }

            _state = BreakerState.Open;
            _retryAt = now + breakDuration;
            view = ViewLocked();
        }

        if (outage)
        {
            _logger.LogWarning("Circuit {Circuit} opened after {Failures} failed call(s) in a row: {Error}; calls fail fast until "
                + "{RetryAt:HH:mm:ss} UTC",
                Name, view.OpenedAfter, view.OpenedBy, view.RetryAt?.UtcDateTime);
        }
        else
        {
            _logger.LogDebug("Circuit {Circuit}: the trial call failed ({Error}); open again until {RetryAt:HH:mm:ss} UTC", Name, view.LastError,
                view.RetryAt?.UtcDateTime);
        }

        _changed(view);
        return ValueTask.CompletedTask;
    }

    private ValueTask OnHalfOpened()
    {
        CircuitView view;
        lock (_gate)
        {
            _state = BreakerState.HalfOpen;
            _retryAt = null;
            view = ViewLocked();
        }

        _changed(view);
        return ValueTask.CompletedTask;
    }

    private ValueTask OnClosed()
    {
        var now = _time.GetUtcNow();
        CircuitView view;
        TimeSpan down;
        lock (_gate)
        {
            down = now - _since;
            _state = BreakerState.Closed;
            _since = now;
            _failures = 0;
            _retryAt = null;
            view = ViewLocked();
        }

        _logger.LogInformation("Circuit {Circuit} closed: the target answers again after {Seconds:0} s", Name, down.TotalSeconds);
        _changed(view);
        return ValueTask.CompletedTask;
    }

    private CircuitView ViewLocked()
    {
        var open = _state != BreakerState.Closed;
        return new CircuitView(Name, _state, _since, _failures, _lastError, _lastFailureAt, _state == BreakerState.Open ? _retryAt : null,
            _opened, open ? _openedBy : null, open ? _openedAfter : null, _time.GetUtcNow());
    }
}
