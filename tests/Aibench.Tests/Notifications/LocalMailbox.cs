namespace Aibench.Tests.Notifications;

/// <summary>
/// The real e-mail path without network: Debian's dma (DragonFly Mail Agent) is a sendmail-compatible program that
/// delivers mail to a local user name into its mbox, <c>/var/mail/&lt;user&gt;</c>. scripts/test.sh installs it.
/// </summary>
internal static class LocalMailbox
{
    public const string Sendmail = "/usr/sbin/dma";

    public static bool Available => File.Exists(Sendmail);

    public static string Path => $"/var/mail/{Environment.UserName}";

    /// <summary>Waits for the message holding <paramref name="marker"/>: dma hands the message over at once and delivers it a moment later.</summary>
    public static async Task<string> WaitForAsync(string marker, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            if (File.Exists(Path))
            {
                var found = Messages(await File.ReadAllTextAsync(Path, TestContext.Current.CancellationToken)).LastOrDefault(m
                    => m.Contains(marker, StringComparison.Ordinal));
                if (found is not null) return found;
            }

            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        Assert.Fail($"no message with '{marker}' reached {Path} in {timeout.TotalSeconds:0} s");
        return "";
    }

    /// <summary>The messages of an mbox: each starts with a "From " line after an empty line (or at the top).</summary>
    private static IEnumerable<string> Messages(string mbox)
    {
        var lines = mbox.Split('\n');
        var current = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith("From ", StringComparison.Ordinal) && (i == 0 || lines[i - 1].Length == 0))
            {
                if (current.Count > 0) yield return string.Join('\n', current);
                current.Clear();
                continue;
            }

            current.Add(lines[i]);
        }

        if (current.Count > 0) yield return string.Join('\n', current);
    }

    /// <summary>The headers (unfolded, the first of each name) and the body of a message.</summary>
    public static (Dictionary<string, string> Headers, string Body) Split(string message)
    {
        var end = message.IndexOf("\n\n", StringComparison.Ordinal);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? last = null;
        foreach (var line in message[..end].Split('\n'))
        {
            if (line.Length > 0 && char.IsWhiteSpace(line[0]) && last is not null)
            {
                headers[last] += " " + line.Trim();
                continue;
            }

            var colon = line.IndexOf(':');
            if (colon <= 0) continue;
            last = line[..colon];
            if (!headers.TryAdd(last, line[(colon + 1)..].Trim()))
            {
                last = null;
            }
        }

        return (headers, message[(end + 2)..]);
    }
}
