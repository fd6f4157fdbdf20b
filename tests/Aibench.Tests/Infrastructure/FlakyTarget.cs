using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aibench.Tests.Infrastructure;

/// <summary>
/// A real HTTP server (Kestrel on a free loopback port) whose every path hangs, answers an error status, or answers
/// 200 with a body, as the test switches it; it counts the requests that reached it.
/// </summary>
internal sealed class FlakyTarget : IAsyncDisposable
{
    private readonly WebApplication _app;
    private volatile Func<HttpContext, Task> _mode;
    private int _requests;

    private FlakyTarget(WebApplication app, Func<HttpContext, Task> mode) => (_app, _mode) = (app, mode);

    public Uri Url { get; private set; } = null!;

    public int Requests => Volatile.Read(ref _requests);

    public static async Task<FlakyTarget> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var target = new FlakyTarget(builder.Build(), Answer("ok"));
        target._app.Run(async context =>
        {
            Interlocked.Increment(ref target._requests);
            await target._mode(context);
        });
        await target._app.StartAsync();
        target.Url = new Uri(target._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        // One request first, so that the tests' short timeouts never measure Kestrel's first-request start-up.
        using (var warm = new HttpClient { Timeout = TimeSpan.FromSeconds(60) })
        {
            await warm.GetStringAsync(target.Url);
        }

        Interlocked.Exchange(ref target._requests, 0);
        return target;
    }

    /// <summary>Accepts the request and never answers (until the client gives up).</summary>
    public void Hang() => _mode = static async context =>
    {
        try
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
        }
    };

    public void Fail(int status) => _mode = context =>
    {
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    };

    public void Serve(string body) => _mode = Answer(body);

    private static Func<HttpContext, Task> Answer(string body) => context =>
    {
        context.Response.ContentType = "text/plain; version=0.0.4";
        return context.Response.WriteAsync(body);
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
