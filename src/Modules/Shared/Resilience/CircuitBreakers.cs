using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Aibench.Shared.Resilience;

/// <summary>
/// Every circuit breaker of the host, by name. A module gets (or makes) its breakers here; the host reads them all for
/// <c>/ready</c> and <c>/metrics</c>, and pages read them for banners, so no module needs another to show a circuit.
/// One registry per host (a singleton), so two test hosts in one process never share a circuit.
/// </summary>
public sealed class CircuitBreakers(TimeProvider time, ILogger<CircuitBreakers>? logger = null)
{
    /// <summary>A transient breaker (one endpoint's) that is closed and unused this long is forgotten.</summary>
    public static readonly TimeSpan ForgetAfter = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<string, CircuitBreaker> _all = new(StringComparer.Ordinal);
    private readonly ILogger _logger = logger ?? NullLogger<CircuitBreakers>.Instance;

    /// <summary>A breaker's state changed, or a breaker was made (then closed).</summary>
    public event Action<CircuitView>? Changed;

    /// <summary>A transient breaker was forgotten.</summary>
    public event Action<string>? Removed;

    public TimeProvider Time => time;

    /// <summary>
    /// The breaker of this name, made on first use with this policy. The first caller's policy and failure test stay:
    /// every user of one name is the same code path, so they agree anyway.
    /// </summary>
    /// <param name="failureOf">The failure an exception stands for, or null when it does not count (e.g. the target answered "no").</param>
    /// <param name="transient">One of many targets that come and go: forgotten once closed and unused for <see cref="ForgetAfter"/>.</param>
    public CircuitBreaker Get(string name, BreakerPolicy policy, Func<Exception, string?> failureOf, bool transient = false)
    {
        if (_all.TryGetValue(name, out var breaker))
        {
            return breaker;
        }

        var made = false;
        breaker = _all.GetOrAdd(name, n =>
        {
            made = true;
            return new CircuitBreaker(n, policy, failureOf, transient, time, _logger, view => Changed?.Invoke(view));
        });
        if (made)
        {
            Changed?.Invoke(breaker.View);
            Forget();
        }

        return breaker;
    }

    /// <summary>Every breaker now, by name.</summary>
    public IReadOnlyList<CircuitView> Views() => [.. _all.Values.Select(b => b.View).OrderBy(v => v.Name, StringComparer.Ordinal)];

    public CircuitView? Find(string name) => _all.TryGetValue(name, out var breaker) ? breaker.View : null;

    /// <summary>
    /// Forgets a breaker now, whatever its state: the next use makes a fresh, closed one. For a target that is known to
    /// be new although its name is old (a restarted service's endpoint on the same host and port).
    /// </summary>
    public bool Remove(string name)
    {
        if (!_all.TryRemove(name, out _))
        {
            return false;
        }

        Removed?.Invoke(name);
        return true;
    }

    private void Forget()
    {
        var now = time.GetUtcNow();
        foreach (var (name, breaker) in _all)
        {
            if (breaker.Transient && now - breaker.LastUsed > ForgetAfter && breaker.View is { State: BreakerState.Closed }
                && _all.TryRemove(new KeyValuePair<string, CircuitBreaker>(name, breaker)))
            {
                Removed?.Invoke(name);
            }
        }
    }
}

public static class CircuitBreakerServices
{
    /// <summary>The host's one registry; every module that uses breakers calls this, the first call wins.</summary>
    public static IServiceCollection AddCircuitBreakers(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => new CircuitBreakers(sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetService<ILogger<CircuitBreakers>>()));
        return services;
    }
}
