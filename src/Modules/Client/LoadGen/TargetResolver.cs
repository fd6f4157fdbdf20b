using System.Net.Http.Json;
using System.Text.Json;
using Aibench.Contracts.Client;
using Aibench.Contracts.Server;
using Aibench.Shared.Api;
using Mediator;

namespace Aibench.Client.LoadGen;

/// <summary>Finds where the load goes: the endpoints of a ready service (through the Server module) or the URLs given, and the model.</summary>
internal sealed class TargetResolver(ISender sender)
{
    public async Task<IReadOnlyList<Uri>> EndpointsAsync(BenchmarkSpec spec, CancellationToken ct)
    {
        if (spec.Service is not { } serviceId)
        {
            return [.. spec.Urls!.Select(u => BenchmarkSpecValidator.TryEndpoint(u, out var e) ? e : throw new ArgumentException(u))];
        }

        var service = await sender.Send(new GetServiceEndpoints(serviceId), ct)
            ?? throw new NotFoundException("Service", serviceId.ToString());
        if (service.Status != ServiceStatus.Ready || service.Endpoints.Count == 0)
        {
            throw new ConflictException($"Service {serviceId} is {service.Status.ToString().ToLowerInvariant()}, not ready: load can only go to a "
                + $"ready service.");
        }

        return [.. service.Endpoints.OrderBy(e => e.Task).Select(e => BenchmarkSpecValidator.TryEndpoint(e.Url, out var u)
            ? u
            : throw new ConflictException($"Service {serviceId} announced an endpoint that is not a URL: '{e.Url}'."))];
    }

    /// <summary>The model to name in requests: the one given, or the first that <c>/v1/models</c> lists.</summary>
    public static async Task<string> ModelAsync(string? model, Uri endpoint, HttpClient http, CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(model))
        {
            return model;
        }

        var url = new Uri(endpoint, "v1/models");
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            using var response = await http.GetAsync(url, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                throw new TargetException($"GET {url} answered {(int)response.StatusCode}; give the model explicitly.");
            }

            var body = await response.Content.ReadFromJsonAsync<JsonElement>(timeout.Token);
            if (body.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array && data.GetArrayLength() > 0
                && data[0].TryGetProperty("id", out var id) && id.GetString() is { Length: > 0 } name)
            {
                return name;
            }

            throw new TargetException($"GET {url} listed no model; give the model explicitly.");
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            throw new TargetException($"could not ask {url} for its model ({e.Message}); give the model explicitly.");
        }
    }
}

/// <summary>The target cannot be used as it is; the message says why.</summary>
internal sealed class TargetException(string message) : Exception(message);
