using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Aibench.Simulator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Aibench.Bench;

/// <summary>
/// An HTTP endpoint for the load generator to hit, run as a child process of this benchmark (hidden mode
/// <c>serve</c>). In-process, the server would share the client's thread pool and GC: its work would be charged to the
/// load generator (whose memory we measure) and its stalls would show up as client lag, while wrk, a separate process,
/// would not pay either. In a child, wrk and the load generator face the same server on the same terms.
/// </summary>
internal sealed class ChildEndpoint : IAsyncDisposable
{
    /// <summary>A minimal non-streaming completion, as small as a real server's answer can be.</summary>
    private static readonly byte[] FixedCompletion =
        """
        {"id":"x","object":"text_completion","choices":[{"index":0,"text":"ok","finish_reason":"length"}],
        "usage":{"prompt_tokens":4,"completion_tokens":1,"total_tokens":5}}
        """u8.ToArray();

    private readonly Process _process;

    private ChildEndpoint(Process process, Uri url) => (_process, Url) = (process, url);

    public Uri Url { get; }

    /// <summary>Starts <c>serve fixed</c> (the fixed completion) or <c>serve sim TTFT_MS ITL_MS</c> (the simulator in fixed-latency mode).</summary>
    public static async Task<ChildEndpoint> StartAsync(params string[] serveArgs)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        var start = new ProcessStartInfo(self)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };

        // Run through `dotnet Aibench.Bench.dll` when that is how we were started, rather than the apphost.
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        }

        start.ArgumentList.Add("serve");
        foreach (var arg in serveArgs)
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the endpoint process");
        string? line;
        try
        {
            line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            line = null;
        }

        if (line is null || !Uri.TryCreate(line.Trim(), UriKind.Absolute, out var url))
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw new InvalidOperationException($"the endpoint process did not print its address within 30 s (got '{line}')");
        }

        // Nothing else is expected on stdout, but a full pipe would block the child: keep it drained.
        _ = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
        return new ChildEndpoint(process, url);
    }

    /// <summary>The child's side: serve until the parent closes our stdin (or dies).</summary>
    public static async Task<int> ServeAsync(string[] args)
    {
        WebApplication app;
        if (args.Length >= 1 && args[0] == "fixed")
        {
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.WebHost.ConfigureKestrel(k => k.Limits.MaxConcurrentConnections = null);
            app = builder.Build();
            app.MapPost("/v1/completions", () => Results.Bytes(FixedCompletion, "application/json"));
        }
        else if (args.Length >= 3 && args[0] == "sim")
        {
            var ttft = TimeSpan.FromMilliseconds(double.Parse(args[1], CultureInfo.InvariantCulture));
            var itl = TimeSpan.FromMilliseconds(double.Parse(args[2], CultureInfo.InvariantCulture));
            app = new SimServer(new SimOptions { Port = 0, Ttft = ttft, Itl = itl }).Build();
        }
        else
        {
            await Console.Error.WriteLineAsync("usage: Aibench.Bench serve fixed | serve sim TTFT_MS ITL_MS");
            return 2;
        }

        await using (app)
        {
            await app.StartAsync();
            // Port 0 picks a free port; the bound one is read back from the server (works for any WebApplication).
            Console.WriteLine(SimServer.Address(app));
            Console.Out.Flush();
            await Console.In.ReadToEndAsync();
            await app.StopAsync();
        }

        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
        finally
        {
            _process.Dispose();
        }
    }
}
