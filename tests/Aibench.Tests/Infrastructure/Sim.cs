using System.ClientModel;
using Aibench.Simulator;
using Microsoft.AspNetCore.Builder;
using OpenAI;
using OpenAI.Chat;

namespace Aibench.Tests.Infrastructure;

/// <summary>An in-process <c>aibench sim</c> on a free loopback port.</summary>
internal sealed class Sim : IAsyncDisposable
{
    private readonly WebApplication _app;

    private Sim(WebApplication app, SimServer server, Uri url) => (_app, Server, Url) = (app, server, url);

    public SimServer Server { get; }

    public Uri Url { get; }

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    public static async Task<Sim> StartAsync(SimOptions options)
    {
        var server = new SimServer(options with { Port = 0 });
        var app = server.Build();
        await app.StartAsync();
        return new Sim(app, server, new Uri(SimServer.Address(app)));
    }

    public ChatClient Chat() => new("sim-model", new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(Url, "/v1") });

    public async Task<string> MetricsAsync() => await Http.GetStringAsync(new Uri(Url, "/metrics"));

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
