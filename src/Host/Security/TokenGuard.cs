namespace Aibench.Host.Security;

/// <summary>
/// Limits wrong-token attempts. Every user of a login node connects from 127.0.0.1, so the limit is global,
/// not per address; a browser that already holds the session cookie is not affected by it.
/// </summary>
internal sealed class TokenGuard(TimeProvider time)
{
    public const int MaxFailures = 10;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly Queue<DateTimeOffset> _failures = new();
    private readonly Lock _lock = new();

    /// <summary>How long token attempts are refused from now; zero when they are allowed.</summary>
    public TimeSpan RetryAfter()
    {
        lock (_lock)
        {
            Expire(time.GetUtcNow());
            return _failures.Count >= MaxFailures ? _failures.Peek() + Window - time.GetUtcNow() : TimeSpan.Zero;
        }
    }

    public void Failed()
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            Expire(now);
            _failures.Enqueue(now);
        }
    }

    private void Expire(DateTimeOffset now)
    {
        while (_failures.Count > 0 && now - _failures.Peek() >= Window)
        {
            _failures.Dequeue();
        }
    }
}
