using Aibench.Contracts.Server;
using Mediator;

namespace Aibench.Monitor.Scraping;

/// <summary>Something to scrape, with the labels aibench adds to every series it yields.</summary>
/// <param name="Key"><c>service/{id}/{kind}/{task}</c>; <c>aibench</c> for the host.</param>
/// <param name="Kind"><c>service</c>, <c>node</c>, <c>gpu</c> or <c>aibench</c>.</param>
internal sealed record Target(
    string Key,
    string Kind,
    Uri Url,
    Guid? ServiceId,
    Guid? ExperimentId,
    string? Recipe,
    int? Replica,
    string? Node,
    string? JobId);

/// <summary>The targets of this moment: every ready service's endpoints and sidecars, learned through Contracts.</summary>
internal sealed class TargetSource(ISender sender)
{
    public async Task<IReadOnlyList<Target>> ServiceTargetsAsync(CancellationToken ct)
    {
        var services = await sender.Send(new ListReadyServices(), ct);
        if (services.Count == 0)
        {
            return [];
        }

        var targets = new List<Target>();
        foreach (var service in services)
        {
            // The Server module hands on the experiment the service was deployed for: no need to ask Experiments.
            var experiment = service.ExperimentId;
            if (service.MetricsPath is { } path)
            {
                foreach (var endpoint in service.Endpoints)
                {
                    if (Uri.TryCreate(endpoint.Url.TrimEnd('/') + "/" + path.TrimStart('/'), UriKind.Absolute, out var url))
                    {
                        targets.Add(new Target($"service/{service.ServiceId}/service/{endpoint.Task}", "service", url, service.ServiceId, experiment,
                            service.Recipe, endpoint.Task, endpoint.Node, service.JobId));
                    }
                }
            }

            foreach (var exporter in service.Exporters)
            {
                if (Uri.TryCreate(exporter.Url, UriKind.Absolute, out var url))
                {
                    targets.Add(new Target($"service/{service.ServiceId}/{exporter.Kind}/{exporter.Task}", exporter.Kind, url, service.ServiceId,
                        experiment, service.Recipe, exporter.Task, exporter.Node, service.JobId));
                }
            }
        }

        return targets;
    }
}
