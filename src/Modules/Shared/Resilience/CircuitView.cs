using System.Globalization;

namespace Aibench.Shared.Resilience;

/// <summary>Where a circuit stands. Serialised as <c>closed</c>, <c>half_open</c>, <c>open</c>.</summary>
public enum BreakerState
{
    /// <summary>Calls go through; failed calls in a row are counted.</summary>
    Closed,

    /// <summary>The break is over and one trial call is under way; other calls still fail fast.</summary>
    HalfOpen,

    /// <summary>Calls fail fast without reaching the target until the break ends.</summary>
    Open,
}

/// <summary>
/// How a breaker opens and how long it stays open: it opens when <paramref name="Failures"/> calls in a row failed
/// within <paramref name="Window"/>, and then lets no call through for <paramref name="BreakFor"/>; the first call
/// after that is a trial that closes it again (success) or opens it for another break (failure).
/// </summary>
/// <param name="Failures">Failed calls in a row that open the circuit (Polly's MinimumThroughput; at least 2).</param>
/// <param name="Window">Failures older than this are forgotten (Polly's SamplingDuration; at least 500 ms).</param>
/// <param name="BreakFor">How long an open circuit refuses calls before a trial (Polly's BreakDuration; 500 ms to 1 day).</param>
public sealed record BreakerPolicy(int Failures, TimeSpan Window, TimeSpan BreakFor)
{
    public const int MinFailures = 2;
    public const int MaxFailures = 1000;

    /// <summary>Polly's floor for both the sampling window and the break.</summary>
    public static readonly TimeSpan MinTime = TimeSpan.FromMilliseconds(500);

    /// <summary>Polly's ceiling for the break; the window gets the same so that no setting is silly.</summary>
    public static readonly TimeSpan MaxTime = TimeSpan.FromDays(1);

    /// <summary>Why this policy cannot be built, or null.</summary>
    public string? Problem() =>
        Failures is < MinFailures or > MaxFailures ? $"Failures must be from {MinFailures} to {MaxFailures}"
        : Window < MinTime || Window > MaxTime ? "Window must be from 500ms to 1d"
        : BreakFor < MinTime || BreakFor > MaxTime ? "BreakFor must be from 500ms to 1d"
        : null;
}

/// <summary>One breaker as it stands now: what /ready, /metrics, the API and the pages show.</summary>
/// <param name="Name"><c>scheduler:&lt;kind&gt;</c>, <c>probe:&lt;host&gt;:&lt;port&gt;</c> or <c>scrape:&lt;host&gt;:&lt;port&gt;</c>.</param>
/// <param name="State">Closed, half-open or open.</param>
/// <param name="Since">Closed: when it last closed (or was made). Open or half-open: when this outage began, i.e. when it
/// last left the closed state; a failed trial that opens it again does not move this.</param>
/// <param name="Failures">Failed calls in a row, counted until a call succeeds (trials included).</param>
/// <param name="LastError">What the last failed call said.</param>
/// <param name="LastFailureAt">When that was.</param>
/// <param name="RetryAt">Open: when the break ends and the next call becomes a trial.</param>
/// <param name="Opened">How many outages: times it opened from closed (re-opening after a failed trial is not counted).</param>
/// <param name="OpenedBy">Open or half-open: the error of the call that opened it at the start of this outage.</param>
/// <param name="OpenedAfter">Open or half-open: failed calls in a row when it opened at the start of this outage.</param>
/// <param name="At">When this view was taken.</param>
public sealed record CircuitView(
    string Name,
    BreakerState State,
    DateTimeOffset Since,
    int Failures,
    string? LastError,
    DateTimeOffset? LastFailureAt,
    DateTimeOffset? RetryAt,
    long Opened,
    string? OpenedBy,
    int? OpenedAfter,
    DateTimeOffset At)
{
    /// <summary>The part of the name before the first colon: <c>scheduler</c>, <c>probe</c>, <c>scrape</c>.</summary>
    public string Kind => Name.IndexOf(':', StringComparison.Ordinal) is var i and > 0 ? Name[..i] : Name;

    /// <summary>What the breaker guards: the scheduler kind or the target's <c>host:port</c>.</summary>
    public string Target => Name.IndexOf(':', StringComparison.Ordinal) is var i and > 0 ? Name[(i + 1)..] : "";

    public bool IsOpen => State != BreakerState.Closed;

    /// <summary>
    /// The same text for the whole of one outage ("circuit open since 14:02:03 UTC after 3 failed calls: …"): callers
    /// store it as a service's reason, and a text that changed with every break would add a transition every break.
    /// </summary>
    public string Summary =>
        $"circuit open since {Clock(Since)} after {OpenedAfter ?? Failures} failed call{(OpenedAfter ?? Failures) switch { 1 => "", _ => "s" }}: "
            + $"{OpenedBy ?? LastError ?? "no reason recorded"}";

    /// <summary>The state in words as of <see cref="At"/>: <see cref="Describe"/>.</summary>
    public string Detail => Describe(At);

    /// <summary>The summary and what happens next, for pages, /ready and skipped probes and scrapes.</summary>
    public string Describe(DateTimeOffset now) => State switch
    {
        BreakerState.Closed => Failures == 0 ? "closed" : $"closed, {Failures} failed call{(Failures == 1 ? "" : "s")} in a row: {LastError}",
        BreakerState.HalfOpen => $"{Summary}; a trial call is under way",
        _ => RetryAt is { } at && at > now ? $"{Summary}; next try at {Clock(at)}" : $"{Summary}; the next call is a trial",
    };

    private static string Clock(DateTimeOffset at) => at.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";
}

/// <summary>The call was not made: the circuit is open (or a trial is under way). The message is the circuit's summary.</summary>
public sealed class CircuitOpenException(CircuitView circuit, Exception? inner = null) : Exception(circuit.Summary, inner)
{
    public CircuitView Circuit { get; } = circuit;
}

/// <summary>The names breakers are registered under, so that the module that uses one and the page that shows it agree.</summary>
public static class CircuitNames
{
    public static string Scheduler(string kind) => $"scheduler:{kind}";

    /// <summary>The readiness (and liveness) probe of one endpoint, by host and port.</summary>
    public static string Probe(Uri url) => $"probe:{HostPort(url)}";

    /// <summary>The metrics scrape of one target, by host and port.</summary>
    public static string Scrape(Uri url) => $"scrape:{HostPort(url)}";

    /// <summary><c>host:port</c> with the port always written (Uri.Authority drops a scheme's default port); IPv6 in brackets.</summary>
    public static string HostPort(Uri url) => $"{url.Host}:{url.Port.ToString(CultureInfo.InvariantCulture)}";
}
