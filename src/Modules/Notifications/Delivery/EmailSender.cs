using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Aibench.Notifications.Delivery;

/// <summary>
/// E-mail through the node's sendmail: the RFC 5322 message is piped to <c>sendmail -t -i</c>, which takes the
/// recipients from the To header (-t) and does not end the message at a line holding a single dot (-i). Every MTA
/// (sendmail, Postfix, Exim, dma, msmtp, nullmailer) understands these two options.
/// </summary>
internal static class EmailSender
{
    /// <summary>Characters of sendmail's complaints kept in the error.</summary>
    private const int StderrInError = 300;

    /// <summary>Longest body line written: RFC 5322 allows 998 characters before the line break.</summary>
    private const int MaxLine = 900;

    public static async Task<AttemptOutcome> SendAsync(EmailTarget target, string message, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(target.Sendmail)
        {
            ArgumentList = { "-t", "-i" },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
        };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new Win32Exception("no process");
        }
        catch (Win32Exception e)
        {
            return AttemptOutcome.Failure($"could not run {target.Sendmail}: {e.Message}");
        }

        using (process)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            // Read at once so that a chatty sendmail never blocks on a full pipe; an MTA that forks its delivery into the
            // background may keep the pipes open, so the exit, not the end of output, says it is done.
            var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
            _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            try
            {
                await process.StandardInput.WriteAsync(message.AsMemory(), deadline.Token);
                await process.StandardInput.FlushAsync(deadline.Token);
                process.StandardInput.Close();
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
                Kill(process);
                if (e is OperationCanceledException && cancellationToken.IsCancellationRequested)
                {
                    throw;
                }

                return e is IOException
                    ? AttemptOutcome.Failure($"{target.Sendmail} stopped reading the message: {e.Message}{await StderrAsync(stderr)}")
                    : AttemptOutcome.Failure($"{target.Sendmail} did not finish within {Shared.Text.Duration.Format(timeout)}");
            }

            return process.ExitCode == 0
                ? AttemptOutcome.Success
                : AttemptOutcome.Failure($"{target.Sendmail} exited with code {process.ExitCode}{await StderrAsync(stderr)}");
        }
    }

    private static async Task<string> StderrAsync(Task<string> stderr)
    {
        try
        {
            var text = (await stderr.WaitAsync(TimeSpan.FromSeconds(1))).ReplaceLineEndings(" ").Trim();
            return text.Length == 0 ? "" : $": {(text.Length > StderrInError ? text[..StderrInError] + "…" : text)}";
        }
        catch (Exception e) when (e is TimeoutException or IOException)
        {
            return "";
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>The message as stored with the delivery: a retry sends the same one, Message-ID included.</summary>
    public static string Compose(EmailTarget target, NotificationEvent e)
    {
        var message = new StringBuilder();
        void Header(string name, string value) => message.Append(name).Append(": ").Append(value).Append('\n');
        Header("From", $"aibench <{target.From}>");
        Header("To", string.Join(", ", target.To));
        Header("Subject", EncodeWord($"[aibench] {e.Subject}"));
        Header("Date", e.At.ToString("ddd, dd MMM yyyy HH:mm:ss +0000", CultureInfo.InvariantCulture));
        Header("Message-ID", $"<{e.Id:N}.{target.Key.Replace(':', '-')}@aibench>");
        Header("MIME-Version", "1.0");
        Header("Content-Type", "text/plain; charset=utf-8");
        Header("Content-Transfer-Encoding", "8bit");
        Header("Auto-Submitted", "auto-generated");
        Header("X-Aibench-Event", e.Kind.WireName());
        message.Append('\n');
        foreach (var line in BodyLines(e))
        {
            foreach (var piece in Wrap(line))
            {
                message.Append(piece).Append('\n');
            }
        }

        return message.ToString();
    }

    private static IEnumerable<string> BodyLines(NotificationEvent e)
    {
        yield return e.Text;
        yield return "";
        if (e.Experiment is { } x)
        {
            yield return $"Experiment:  {x.Name} ({x.Id})";
            yield return $"Recipe:      {x.Recipe}, {x.TestType}";
            yield return $"Outcome:     {x.Outcome.ToString().ToLowerInvariant()}, last stage {x.Stage}";
            if (x.Reason is not null) yield return $"Reason:      {x.Reason}";
            if (x.Slo is { } slo) yield return $"SLO:         {slo.Summary ?? (slo.Passed ? "passed" : "failed")}";
        }

        if (e.Headline is { } h)
        {
            yield return $"Requests:    {h.Completed} completed, {h.Failed} failed ({h.ErrorRate:P1}){(h.Partial ? ", partial run" : "")}";
            yield return $"Throughput:  {h.RequestsPerSecond:0.##} req/s, {h.OutputTokensPerSecond:0.#} output tokens/s";
            yield return $"Latency:     TTFT p50 {Ms(h.TtftP50Ms)}, p99 {Ms(h.TtftP99Ms)}; E2E p99 {Ms(h.E2eP99Ms)}";
        }

        if (e.Service is { } s)
        {
            yield return $"Service:     {s.Recipe ?? "?"} ({s.Id})";
            yield return $"Status:      {s.Status.ToString().ToLowerInvariant()}{(s.JobId is null ? "" : $", job {s.JobId}")}";
            if (s.Attempt is { } attempt) yield return $"Attempt:     {attempt} of {s.MaxRestarts + 1}";
            if (s.Reason is not null) yield return $"Reason:      {s.Reason}";
        }

        yield return $"Link:        {e.Url}";
        yield return $"Event:       {e.Kind.WireName()} {e.Id}";
    }

    private static string Ms(double? ms) => ms is { } v ? $"{v:0.#} ms" : "-";

    private static IEnumerable<string> Wrap(string line)
    {
        var rest = line.ReplaceLineEndings(" ");
        while (rest.Length > MaxLine)
        {
            var cut = rest.LastIndexOf(' ', MaxLine);
            cut = cut <= 0 ? MaxLine : cut;
            yield return rest[..cut];
            rest = rest[cut..].TrimStart();
        }

        yield return rest;
    }

    /// <summary>Header text as is when plain ASCII, else RFC 2047 encoded words (UTF-8, base64), folded.</summary>
    internal static string EncodeWord(string text)
    {
        text = text.ReplaceLineEndings(" ");
        if (text.All(c => c is >= ' ' and <= '~'))
        {
            return text;
        }

        // At most 45 bytes per word keep each encoded word under the 75 characters RFC 2047 allows; whole characters only.
        var words = new List<string>();
        var chunk = new StringBuilder();
        foreach (var rune in text.EnumerateRunes())
        {
            if (Encoding.UTF8.GetByteCount(chunk.ToString() + rune) > 45)
            {
                words.Add(chunk.ToString());
                chunk.Clear();
            }

            chunk.Append(rune.ToString());
        }

        words.Add(chunk.ToString());
        return string.Join("\n ", words.Select(w => $"=?utf-8?B?{Convert.ToBase64String(Encoding.UTF8.GetBytes(w))}?="));
    }
}
