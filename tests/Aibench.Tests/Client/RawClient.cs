using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Aibench.Tests.Client;

/// <summary>
/// The simplest possible streaming client: one kept-alive socket, a hand-written HTTP/1.1 request, and the time until
/// the first <c>data:</c> line. It is the reference the load generator's TTFT is compared with.
/// </summary>
internal static class RawClient
{
    public static async Task<double> TtftMsAsync(Uri url, int samples, CancellationToken ct)
    {
        using var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(url.Host, url.Port, ct);
        var stream = tcp.GetStream();
        const string body = """{"model":"sim-model","prompt":"hello there","max_tokens":2,"stream":true,"ignore_eos":true}""";
        var request = Encoding.ASCII.GetBytes(
            $"POST /v1/completions HTTP/1.1\r\nHost: {url.Authority}\r\nContent-Type: application/json\r\nContent-Length: "
                + $"{body.Length}\r\n\r\n{body}");
        var times = new List<double>();
        var buffer = new byte[65536];
        for (var i = 0; i < samples + 2; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await stream.WriteAsync(request, ct);
            var seen = new StringBuilder();
            double? first = null;
            while (!seen.ToString().Contains("data: [DONE]", StringComparison.Ordinal))
            {
                var n = await stream.ReadAsync(buffer, ct);
                if (n == 0) throw new IOException("connection closed");
                seen.Append(Encoding.UTF8.GetString(buffer, 0, n));
                if (first is null && seen.ToString().Contains("data: {", StringComparison.Ordinal))
                {
                    first = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                }
            }

            // Drain the chunked terminator so the next request starts clean.
            while (!seen.ToString().EndsWith("0\r\n\r\n", StringComparison.Ordinal))
            {
                var n = await stream.ReadAsync(buffer, ct);
                if (n == 0) break;
                seen.Append(Encoding.UTF8.GetString(buffer, 0, n));
            }

            if (i >= 2) times.Add(first!.Value);
        }

        times.Sort();
        return times[times.Count / 2];
    }
}
