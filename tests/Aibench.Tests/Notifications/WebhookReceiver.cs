using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aibench.Tests.Notifications;

/// <summary>
/// A real HTTP server on a free loopback port that takes webhook POSTs and records them. What it answers depends on the
/// path's first segment: <c>/ok/…</c> 200; <c>/flaky/…</c> 500 to the first POST of each event id, then 200;
/// <c>/refuse/…</c> 400; <c>/hang/…</c> never answers (until the caller gives up or the receiver stops).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<string, int> _flakySeen = new();

    private WebhookReceiver(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    public ConcurrentQueue<Received> Requests { get; } = new();

    /// <summary>Requests to /hang/… taken and not answered yet.</summary>
    public int Hanging => _hanging;

    private int _hanging;

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/{kind}/{**rest}", receiver.TakeAsync);
        await app.StartAsync();
        receiver.Url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return receiver;
    }

    internal string UrlOf(string path) => new Uri(Url, path).AbsoluteUri;

    private async Task<IResult> TakeAsync(HttpContext context, string kind)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var received = new Received(context.Request.Path, headers, body, DateTimeOffset.UtcNow);
        Requests.Enqueue(received);
        switch (kind)
        {
            case "flaky":
                var id = received.Json.GetProperty("id").GetString()!;
                return _flakySeen.AddOrUpdate(id, 1, (_, n) => n + 1) == 1 ? Results.Text("try again later", statusCode: 500) : Results.Ok();
            case "refuse":
                return Results.Text("invalid_payload", statusCode: 400);
            case "hang":
                Interlocked.Increment(ref _hanging);
                try
                {
                    using var either = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
                    await Task.Delay(Timeout.Infinite, either.Token);
                }
                catch (OperationCanceledException)
                {
                    // The caller gave up, or the receiver stops.
                }
                finally
                {
                    Interlocked.Decrement(ref _hanging);
                }

                return Results.StatusCode(503);
            default:
                return Results.Ok();
        }
    }

    /// <summary>The requests to paths starting with <paramref name="prefix"/> whose payload passes <paramref name="match"/>.</summary>
    internal List<Received> To(string prefix, Func<JsonElement, bool>? match = null) =>
        [.. Requests.Where(r => r.Path.StartsWith(prefix, StringComparison.Ordinal) && (match is null || match(r.Json)))];

    /// <summary>Waits until <paramref name="count"/> such requests arrived; fails with what did.</summary>
    internal async Task<List<Received>> WaitForAsync(string prefix, Func<JsonElement, bool> match, int count, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            var found = To(prefix, match);
            if (found.Count >= count) return found;
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Fail($"{count} request(s) to {prefix} did not arrive in {timeout.TotalSeconds:0} s; got: "
            + $"{string.Join(" | ", Requests.Select(r => $"{r.Path} {r.Body}"))}");
        return [];
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    public sealed record Received(string Path, IReadOnlyDictionary<string, string> Headers, string Body, DateTimeOffset At)
    {
        public JsonElement Json => JsonDocument.Parse(Body).RootElement;
    }
}
