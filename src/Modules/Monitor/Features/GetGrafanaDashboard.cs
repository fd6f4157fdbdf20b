using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Aibench.Monitor.Features;

/// <summary>
/// The Grafana dashboard for vLLM serving (throughput, TTFT/ITL quantiles, queue, KV cache, GPU), kept in the repo as
/// src/Modules/Monitor/Grafana/aibench-vllm.json and served as it is, for import into a site Grafana.
/// </summary>
internal static class GetGrafanaDashboard
{
    public static byte[] Json()
    {
        using var stream = typeof(GetGrafanaDashboard).Assembly.GetManifestResourceStream("aibench-vllm.json")
            ?? throw new InvalidOperationException("the Grafana dashboard is not embedded in this build");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/metrics/grafana-dashboard", FileContentHttpResult () => TypedResults.File(Json(), "application/json", "aibench-vllm.json"))
            .WithName("GetGrafanaDashboard")
            .WithSummary("Grafana dashboard JSON for vLLM serving (throughput, TTFT/ITL quantiles, queue, KV cache, GPU), for import.")
            .Produces(StatusCodes.Status200OK, contentType: "application/json");
}
