using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aibench.Server.Pages;
using Aibench.Server.Scheduling;
using Aibench.Tests.Infrastructure;
using Bunit;
using Microsoft.Extensions.DependencyInjection;

namespace Aibench.Tests.Server;

/// <summary>
/// Circuits on a real host, seen where a person or a script looks: slurmrestd's socket missing opens the scheduler's
/// circuit (the scheduler API, /ready, /metrics, the Services page and a deployment's reason say so) and it closes
/// when the real slurmrestd of the test cluster appears at that path; a hung service endpoint opens its probe's
/// circuit (the service, /ready and the Services page say so) until it answers and the service becomes ready.
/// </summary>
[Collection(nameof(HostCollection))]
public sealed class CircuitVisibilityTests : PageTest
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_scheduler_that_cannot_be_reached_opens_its_circuit_everywhere_visible_and_closes_when_it_is_back()
    {
        Assert.SkipWhen(SlurmCluster.Unavailable() is not null, SlurmCluster.Unavailable() ?? "");
        var real = Environment.GetEnvironmentVariable("AIBENCHTEST_SLURMRESTD_SOCKET");
        Assert.SkipWhen(real is null || !File.Exists(real), "No slurmrestd socket (AIBENCHTEST_SLURMRESTD_SOCKET).");
        var folder = Directory.CreateTempSubdirectory("aibench-circuit-");
        var socket = Path.Combine(folder.FullName, "rest.sock");
        try
        {
            await using var host = ServerHost.Start("slurm-rest", extra: new Dictionary<string, string?>
            {
                ["Scheduler:Rest:Socket"] = socket,
                ["Scheduler:Rest:ApiVersion"] = "v0.0.38",
                ["Scheduler:Retries"] = "0",
                ["Scheduler:Breaker:Failures"] = "2",
                ["Scheduler:Breaker:BreakFor"] = "3s",
            });
            UseHost(host.Factory.Services);

            // Nothing listens at the socket: each status check is one failed call; the second opens the circuit.
            var first = await StatusAsync(host);
            Assert.False(first.GetProperty("reachable").GetBoolean());
            Assert.Equal("closed", first.GetProperty("circuit").GetProperty("state").GetString());
            Assert.Equal(1, first.GetProperty("circuit").GetProperty("failures").GetInt32());
            var second = await StatusAsync(host);
            var circuit = second.GetProperty("circuit");
            Assert.Equal("scheduler:slurm-rest", circuit.GetProperty("name").GetString());
            Assert.Equal("open", circuit.GetProperty("state").GetString());
            Assert.Equal(1, circuit.GetProperty("opened").GetInt64());
            Assert.StartsWith("circuit open since ", circuit.GetProperty("detail").GetString());
            Assert.Contains("after 2 failed calls: slurmrestd does not answer", circuit.GetProperty("detail").GetString());

            // /ready: the host itself is ready (200), degraded, with the open circuit named and described.
            var ready = await host.Factory.Anonymous().GetAsync("/ready", Ct);
            var body = await ready.Content.ReadFromJsonAsync<JsonElement>(Ct);
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Equal("ready", body.GetProperty("status").GetString());
            Assert.True(body.GetProperty("degraded").GetBoolean());
            var circuits = body.GetProperty("checks").GetProperty("circuits");
            Assert.Equal("open", circuits.GetProperty("status").GetString());
            Assert.Equal(["scheduler:slurm-rest"], circuits.GetProperty("open").EnumerateArray().Select(e => e.GetString()));
            var listed = circuits.GetProperty("breakers").EnumerateArray().Single(b => b.GetProperty("name").GetString() == "scheduler:slurm-rest");
            Assert.Equal("open", listed.GetProperty("state").GetString());
            Assert.Equal(2, listed.GetProperty("failures").GetInt32());
            Assert.Contains("slurmrestd does not answer", listed.GetProperty("lastError").GetString());

            var metrics = await host.Client.GetStringAsync("/metrics", Ct);
            Assert.Contains("aibench_circuit_state{name=\"scheduler:slurm-rest\"} 2\n", metrics);
            Assert.Contains("aibench_circuit_opened_total{name=\"scheduler:slurm-rest\"} 1\n", metrics);

            // The Services page: a banner over the list, saying why and when the next try is.
            var page = Render<ServicesPage>();
            page.WaitForAssertion(() =>
            {
                var banner = page.Find("[data-testid=scheduler-circuit]").TextContent;
                Assert.Contains("The scheduler's circuit is open", banner);
                Assert.Contains("circuit open since", banner);
                Assert.Contains("slurmrestd does not answer", banner);
            }, TimeSpan.FromSeconds(15));

            // Every scheduler call fails with the circuit's one text for the outage, so a service's reason stays put.
            var scheduler = await host.Factory.Services.GetRequiredService<SchedulerSelector>().SchedulerAsync(Ct);
            var refused = await Assert.ThrowsAsync<SchedulerUnavailableException>(() => scheduler.QueryAsync(["1"], Ct));
            Assert.StartsWith("circuit open since ", refused.Message);
            Assert.DoesNotContain("next try", refused.Message);
            var id = (await host.DeployAsync(new { recipe = "http-server" })).GetProperty("id").GetGuid();
            var waiting = await host.WaitAsync(id, s => s.GetProperty("reason").GetString()?.Contains("circuit open since") == true, Patience);
            Assert.Equal("pending", waiting.GetProperty("status").GetString());
            Assert.Equal($"waiting for the scheduler: {refused.Message}", waiting.GetProperty("reason").GetString());
            var cancelled = await host.Client.DeleteAsync($"/api/v1/services/{id}", Ct);
            Assert.Equal(HttpStatusCode.Accepted, cancelled.StatusCode);

            // slurmrestd appears at the configured path: the first call after the break is a trial, and it closes the circuit.
            File.CreateSymbolicLink(socket, real!);
            var until = DateTime.UtcNow + Patience;
            JsonElement status;
            while (!(status = await StatusAsync(host)).GetProperty("reachable").GetBoolean() && DateTime.UtcNow < until)
            {
                await Task.Delay(500, Ct);
            }

            Assert.True(status.GetProperty("reachable").GetBoolean(), $"slurmrestd never answered through {socket}: {status}");
            Assert.Equal("closed", status.GetProperty("circuit").GetProperty("state").GetString());
            Assert.Equal(0, status.GetProperty("circuit").GetProperty("failures").GetInt32());

            Assert.Contains("aibench_circuit_state{name=\"scheduler:slurm-rest\"} 0\n", await host.Client.GetStringAsync("/metrics", Ct));
            var after = await host.Factory.Anonymous().GetFromJsonAsync<JsonElement>("/ready", Ct);
            Assert.False(after.GetProperty("degraded").GetBoolean());
            Assert.Equal("ok", after.GetProperty("checks").GetProperty("circuits").GetProperty("status").GetString());
            page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=scheduler-circuit]")), TimeSpan.FromSeconds(30));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_hung_endpoint_opens_its_probe_circuit_on_the_service_and_the_service_is_ready_once_it_answers()
    {
        await using var host = ServerHost.Start("local");
        UseHost(host.Factory.Services);
        var deployed = await host.DeployAsync(new { recipe = "silent-until-told" });
        var id = deployed.GetProperty("id").GetGuid();
        try
        {
            // Three probes that got no answer (3 s each) open the endpoint's circuit; the service waits, starting.
            var until = DateTime.UtcNow + Patience;
            JsonElement summary;
            while ((summary = await SummaryAsync(host, id)).GetProperty("circuits").GetArrayLength() == 0 && DateTime.UtcNow < until)
            {
                await Task.Delay(500, Ct);
            }

            var circuit = Assert.Single(summary.GetProperty("circuits").EnumerateArray());
            Assert.Equal("starting", summary.GetProperty("status").GetString());
            Assert.Equal("probe", circuit.GetProperty("kind").GetString());
            Assert.Contains(circuit.GetProperty("state").GetString(), new[] { "open", "half_open" });
            var endpoint = new Uri(Assert.Single(summary.GetProperty("endpoints").EnumerateArray()).GetString()!);
            Assert.Equal($"{endpoint.Host}:{endpoint.Port}", circuit.GetProperty("target").GetString());
            Assert.Contains("after 3 failed calls: no answer within 3 s", circuit.GetProperty("detail").GetString());

            var detail = await host.ServiceAsync(id);
            Assert.Equal(circuit.GetProperty("name").GetString(),
                Assert.Single(detail.GetProperty("circuits").EnumerateArray()).GetProperty("name").GetString());

            var ready = await host.Factory.Anonymous().GetFromJsonAsync<JsonElement>("/ready", Ct);
            Assert.True(ready.GetProperty("degraded").GetBoolean());
            Assert.Contains(circuit.GetProperty("name").GetString(),
                ready.GetProperty("checks").GetProperty("circuits").GetProperty("open").EnumerateArray().Select(e => e.GetString()));

            var page = Render<ServicesPage>();
            page.WaitForAssertion(() =>
            {
                var note = page.Find("[data-testid=service-circuit]").TextContent;
                Assert.Contains($"probe {endpoint.Host}:{endpoint.Port}", note);
                Assert.Contains("no answer within 3 s", note);
            }, TimeSpan.FromSeconds(15));

            // Told to answer: after the break a trial probe finds it ready, and the circuit closes.
            File.WriteAllText(Path.Combine(detail.GetProperty("runFolder").GetString()!, "answer"), "");
            await host.WaitAsync(id, s => ServerHost.StatusIs(s, "ready", "failed"), Patience);
            var done = await SummaryAsync(host, id);
            Assert.Equal("ready", done.GetProperty("status").GetString());
            Assert.Equal(0, done.GetProperty("circuits").GetArrayLength());
            var closed = (await host.Factory.Anonymous().GetFromJsonAsync<JsonElement>("/ready", Ct)).GetProperty("checks").GetProperty("circuits")
                .GetProperty("breakers").EnumerateArray().Single(b => b.GetProperty("name").GetString() == circuit.GetProperty("name").GetString());
            Assert.Equal("closed", closed.GetProperty("state").GetString());
            page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=service-circuit]")), TimeSpan.FromSeconds(15));
        }
        finally
        {
            await host.Client.DeleteAsync($"/api/v1/services/{id}", Ct);
        }
    }

    private static async Task<JsonElement> StatusAsync(ServerHost host) =>
        await host.Client.GetFromJsonAsync<JsonElement>("/api/v1/scheduler", Ct);

    private static async Task<JsonElement> SummaryAsync(ServerHost host, Guid id) =>
        (await host.Client.GetFromJsonAsync<JsonElement>("/api/v1/services", Ct)).EnumerateArray().Single(s => s.GetProperty("id").GetGuid() == id);
}
