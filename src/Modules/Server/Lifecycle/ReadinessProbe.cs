namespace Aibench.Server.Lifecycle;

/// <summary>Asks an endpoint whether it is ready: any 2xx from its readiness path within a few seconds.</summary>
internal sealed class ReadinessProbe(IHttpClientFactory clients)
{
    public const string ClientName = "aibench-readiness";

    public async Task<bool> AnswersAsync(string baseUrl, string path, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await clients.CreateClient(ClientName).GetAsync(baseUrl + path, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or UriFormatException)
        {
            return false;
        }
    }
}
