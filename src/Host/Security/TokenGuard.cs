namespace Aibench.Host.Security;

/// <summary>
/// Slows down wrong-token attempts without ever locking the owner out. Every user of a login node connects from
/// 127.0.0.1, so the count is global; but it is consulted only after a token was found wrong: the right token is
/// compared first (in constant time) and always passes. A 256-bit token cannot be guessed anyway, so what the limit
/// protects is the host's CPU and its log: past <see cref="MaxFailures"/> wrong attempts in a minute the answer is a
/// cheap 429, and wrong attempts are logged once per <see cref="Window"/> with their count, not one line each.
/// </summary>
internal sealed class TokenGuard(TimeProvider time, ILogger<TokenGuard> logger)
{
    public const int MaxFailures = 10;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly Queue<DateTimeOffset> _failures = new();
    private readonly Lock _lock = new();
    private DateTimeOffset _loggedAt = DateTimeOffset.MinValue;
    private int _unlogged;

    /// <summary>
    /// Records a wrong attempt. Answers how long wrong attempts are refused from now (429 with Retry-After), or zero
    /// while they are still answered with a plain 401.
    /// </summary>
    public TimeSpan Failed()
    {
        int toLog;
        TimeSpan wait;
        lock (_lock)
        {
            var now = time.GetUtcNow();
            while (_failures.Count > 0 && now - _failures.Peek() >= Window)
            {
                _failures.Dequeue();
            }

            // Only the last MaxFailures + 1 times matter for the answer, so a flood costs no memory.
            _failures.Enqueue(now);
            if (_failures.Count > MaxFailures + 1)
            {
                _failures.Dequeue();
            }

            wait = _failures.Count > MaxFailures ? _failures.Peek() + Window - now : TimeSpan.Zero;
            _unlogged++;
            toLog = 0;
            if (now - _loggedAt >= Window)
            {
                toLog = _unlogged;
                _unlogged = 0;
                _loggedAt = now;
            }
        }

        if (toLog > 0)
        {
            // The first wrong attempt after a quiet minute is logged at once; the ones that follow are summed up in
            // the next line, a minute later at the earliest.
            logger.LogWarning("{Count} wrong access token attempt(s) since the last report; the right token is not affected", toLog);
        }

        return wait;
    }
}
