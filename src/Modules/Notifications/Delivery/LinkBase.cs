using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;

namespace Aibench.Notifications.Delivery;

/// <summary>
/// Where links in notifications point: <c>Notifications:BaseUrl</c> when set (a proxy, an SSH tunnel's local end, a
/// DNS name), otherwise the address the host listens on, with a wildcard replaced by this machine's name, otherwise
/// <c>Urls</c>. Links never carry the token: whoever follows one logs in as usual.
/// </summary>
internal sealed class LinkBase(NotificationsSettings settings, IServer server, IConfiguration configuration)
{
    private const string DefaultUrl = "http://127.0.0.1:8000";

    /// <summary>Without a trailing slash, ready for <c>/experiments/{id}</c>.</summary>
    public string Url
    {
        get
        {
            if (settings.BaseUrl is { } configured)
            {
                return configured.AbsoluteUri.TrimEnd('/');
            }

            var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                ?? configuration["Urls"] ?? DefaultUrl;
            address = address.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal);
            if (!Uri.TryCreate(address, UriKind.Absolute, out var uri))
            {
                return DefaultUrl;
            }

            var host = uri.Host is "0.0.0.0" or "[::]" or "::" ? System.Net.Dns.GetHostName() : uri.Host;
            return new UriBuilder(uri) { Host = host, Path = "/" }.Uri.AbsoluteUri.TrimEnd('/');
        }
    }
}
