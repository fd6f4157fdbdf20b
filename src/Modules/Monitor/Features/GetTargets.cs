using System.Globalization;
using Aibench.Monitor.Scraping;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Aibench.Monitor.Features;

/// <summary>
/// Every ready service endpoint and sidecar in Prometheus' HTTP service discovery format, so a site Prometheus can
/// scrape the compute nodes directly (<c>http_sd_configs</c>; docs/monitoring.md has the block to paste).
/// </summary>
public sealed record GetTargets : IQuery<IReadOnlyList<TargetGroup>>;

/// <summary>One target group of Prometheus HTTP SD: <c>{"targets": ["host:port"], "labels": {...}}</c>.</summary>
public sealed record TargetGroup(IReadOnlyList<string> Targets, IReadOnlyDictionary<string, string> Labels);

internal sealed class GetTargetsHandler(TargetSource source) : IQueryHandler<GetTargets, IReadOnlyList<TargetGroup>>
{
    public async ValueTask<IReadOnlyList<TargetGroup>> Handle(GetTargets query, CancellationToken cancellationToken)
    {
        var targets = await source.ServiceTargetsAsync(cancellationToken);
        return [.. targets.Select(t =>
        {
            var labels = new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["__metrics_path__"] = t.Url.AbsolutePath,
                ["__scheme__"] = t.Url.Scheme,
                ["job"] = t.Kind == "service" ? "aibench-service" : $"aibench-{t.Kind}",
                ["service_id"] = t.ServiceId?.ToString() ?? "",
            };
            if (t.ExperimentId is { } e) labels["experiment_id"] = e.ToString();
            if (t.Recipe is { } r) labels["recipe"] = r;
            if (t.Replica is { } replica) labels["replica"] = replica.ToString(CultureInfo.InvariantCulture);
            if (t.Node is { } node) labels["node"] = node;
            if (t.JobId is { } job) labels["slurm_job_id"] = job;
            return new TargetGroup([t.Url.Authority], labels);
        })];
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/metrics/targets", async Task<Ok<IReadOnlyList<TargetGroup>>> (ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new GetTargets(), ct)))
            .WithName("GetTargets")
            .WithSummary("Ready service endpoints and sidecars in Prometheus HTTP service discovery format (for http_sd_configs).");
}
