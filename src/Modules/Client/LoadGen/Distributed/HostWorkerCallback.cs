using Aibench.Shared.Api;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Aibench.Client.LoadGen.Distributed;

/// <summary>
/// How distributed load-generator workers reach this host: <c>Client:WorkerReportUrl</c> when set (a proxy, another
/// interface), otherwise the first address Kestrel listens on, with a wildcard replaced by this machine's name.
/// Null when the server has no address (in-memory test hosts): workers then write files.
/// </summary>
internal sealed class HostWorkerCallback(IServer server, IAccessToken token, ClientSettings settings) : IWorkerCallback
{
    public string? BaseUrl => settings.WorkerReportUrl
        ?? ListeningAddress(server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault());

    public string? Token => token.Token;

    /// <summary>The base URL workers can use for an address Kestrel listens on; null when there is none or it does not parse.</summary>
    internal static string? ListeningAddress(string? address)
    {
        if (address is null || !Uri.TryCreate(address.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0",
            StringComparison.Ordinal), UriKind.Absolute, out var uri))
        {
            return null;
        }

        var host = uri.Host is "0.0.0.0" or "[::]" or "::" ? System.Net.Dns.GetHostName() : uri.Host;
        return new UriBuilder(uri) { Host = host, Path = "/" }.Uri.ToString();
    }
}
