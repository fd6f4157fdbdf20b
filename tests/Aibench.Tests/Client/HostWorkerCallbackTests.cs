using Aibench.Client;
using Aibench.Client.LoadGen.Distributed;
using Aibench.Shared.Api;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Aibench.Tests.Client;

/// <summary>Where distributed workers report to: the configured URL, else the address this host listens on.</summary>
public sealed class HostWorkerCallbackTests
{
    private sealed class FixedToken : IAccessToken
    {
        public string Token => "secret";
    }

    private sealed class Server(params string[] addresses) : IServer
    {
        public IFeatureCollection Features { get; } = Collect(addresses);

        private static FeatureCollection Collect(string[] addresses)
        {
            var features = new FeatureCollection();
            var feature = new ServerAddressesFeature();
            foreach (var a in addresses) feature.Addresses.Add(a);
            features.Set<IServerAddressesFeature>(feature);
            return features;
        }

        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken) where TContext : notnull
            => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose()
        {
        }
    }

    private static ClientSettings Settings(string? url) => new(TimeSpan.FromSeconds(20), url);

    [Fact]
    public void The_configured_report_url_wins_over_the_listening_address()
    {
        var callback = new HostWorkerCallback(new Server("http://127.0.0.1:5000"), new FixedToken(), Settings("https://proxy.example/aibench/"));
        Assert.Equal("https://proxy.example/aibench/", callback.BaseUrl);
        Assert.Equal("secret", callback.Token);
    }

    [Fact]
    public void Without_one_workers_get_the_first_listening_address_with_a_wildcard_named_after_this_machine()
    {
        Assert.Equal("http://127.0.0.1:5000/", new HostWorkerCallback(new Server("http://127.0.0.1:5000", "http://[::1]:5000"), new FixedToken(),
            Settings(null)).BaseUrl);
        var machine = System.Net.Dns.GetHostName();
        Assert.Equal(new UriBuilder("http", machine, 8000, "/").Uri.ToString(), HostWorkerCallback.ListeningAddress("http://+:8000"));
        Assert.Equal(new UriBuilder("http", machine, 8000, "/").Uri.ToString(), HostWorkerCallback.ListeningAddress("http://0.0.0.0:8000"));
    }

    [Fact]
    public void A_host_without_an_address_gives_none_so_workers_write_files()
    {
        Assert.Null(new HostWorkerCallback(new Server(), new FixedToken(), Settings(null)).BaseUrl);
        Assert.Null(HostWorkerCallback.ListeningAddress("not a url"));
    }
}
