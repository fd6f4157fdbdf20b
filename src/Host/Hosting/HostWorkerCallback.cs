using Aibench.Client.LoadGen.Distributed;
using Aibench.Host.Security;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Aibench.Host.Hosting;

/// <summary>
/// How distributed load-generator workers reach this host: <c>Client:WorkerReportUrl</c> when set (a proxy, another
/// interface), otherwise the first address Kestrel listens on, with a wildcard replaced by this machine's name.
/// Null when the server has no address (in-memory test hosts): workers then write files.
/// </summary>
internal sealed class HostWorkerCallback(IServer server, TokenStore tokens, IConfiguration configuration) : IWorkerCallback
{
    public string? BaseUrl
    {
        get
        {
            if (configuration["Client:WorkerReportUrl"] is { Length: > 0 } configured)
            {
                return configured;
            }

            var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
            if (address is null || !Uri.TryCreate(address.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri))
            {
                return null;
            }

            var host = uri.Host is "0.0.0.0" or "[::]" or "::" ? System.Net.Dns.GetHostName() : uri.Host;
            return new UriBuilder(uri) { Host = host, Path = "/" }.Uri.ToString();
        }
    }

    public string? Token => tokens.Token;
}
