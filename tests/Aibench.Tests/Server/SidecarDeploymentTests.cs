using System.Net;
using Aibench.Contracts.Server;
using Aibench.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Aibench.Tests.Server;

/// <summary>
/// A deployment with its node exporter sidecars on the local scheduler, seen as the Monitor module sees it: through
/// the Contracts query for ready services.
/// </summary>
[Collection(nameof(HostCollection))]
public sealed class SidecarDeploymentTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Ready_services_list_the_simulator_with_scrapable_node_exporters_that_cancel_ends()
    {
        Assert.SkipWhen(SidecarScriptTests.NoNodeExporter is not null, SidecarScriptTests.NoNodeExporter ?? "");
        // The user's recipe of the same name replaces the shipped one: the shipped simulator with the exporter on.
        var home = Path.Combine(Directory.CreateTempSubdirectory("aibench-test-sidecar-").FullName, "home");
        var shipped = await File.ReadAllTextAsync(Path.Combine(Repo.Root, "recipes", "vllm-sim.yaml"), Ct);
        Assert.Contains("metrics:\n  path: /metrics\n", shipped);
        Directory.CreateDirectory(Path.Combine(home, "recipes"));
        await File.WriteAllTextAsync(Path.Combine(home, "recipes", "vllm-sim.yaml"),
            shipped.Replace("metrics:\n  path: /metrics\n", "metrics:\n  path: /metrics\n  exporters: {node: on, gpu: off}\n",
                StringComparison.Ordinal), Ct);

        await using var host = ServerHost.Start("local", home);
        var sender = host.Factory.Services.GetRequiredService<Mediator.ISender>();
        var id = (await host.DeployAsync(new { recipe = "vllm-sim", nodes = 2 })).GetProperty("id").GetGuid();
        try
        {
            var ready = await host.WaitAsync(id, s => ServerHost.StatusIs(s, "ready", "failed"), TimeSpan.FromSeconds(90));
            Assert.True(ServerHost.StatusIs(ready, "ready"), ready.ToString());

            var service = Assert.Single(await sender.Send(new ListReadyServices(), Ct), s => s.ServiceId == id);
            Assert.Equal("vllm-sim", service.Recipe);
            Assert.Equal(ready.GetProperty("jobId").GetString(), service.JobId);
            Assert.Equal("/metrics", service.MetricsPath);
            Assert.Equal([0, 1], service.Endpoints.Select(e => e.Task));
            Assert.Equal([("node", 0), ("node", 1)], service.Exporters.Select(e => (e.Kind, e.Task)));
            Assert.All(service.Exporters, e => Assert.Equal(Environment.MachineName, e.Node));
            // Two tasks on one machine: each found its own port.
            Assert.Equal(2, service.Exporters.Select(e => e.Url).Distinct().Count());

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            foreach (var exporter in service.Exporters)
            {
                Assert.EndsWith("/metrics", exporter.Url);
                Assert.Contains("node_cpu_seconds_total", await http.GetStringAsync(exporter.Url, Ct));
            }

            var cancel = await host.Client.DeleteAsync($"/api/v1/services/{id}", Ct);
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
            Assert.DoesNotContain(await sender.Send(new ListReadyServices(), Ct), s => s.ServiceId == id);
            foreach (var exporter in service.Exporters)
            {
                await SidecarScriptTests.AssertStopsAnsweringAsync(exporter.Url);
            }
        }
        finally
        {
            await host.Client.DeleteAsync($"/api/v1/services/{id}", Ct);
        }
    }
}
