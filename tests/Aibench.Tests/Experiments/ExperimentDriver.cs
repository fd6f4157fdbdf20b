using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aibench.Tests.Infrastructure;
using Aibench.Tests.Server;

namespace Aibench.Tests.Experiments;

/// <summary>A host that runs experiments on one scheduler, polling every second, with the short pauses tests want.</summary>
internal static class ExperimentDriver
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static ServerHost Start(string scheduler, string? home = null, string? postgres = null, IDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Experiments:PollSeconds"] = "1",
            ["Experiments:CollectDelay"] = "1s",
            ["Experiments:Warmup"] = "1s",
        };
        if (postgres is not null) settings["ConnectionStrings:Postgres"] = postgres;
        foreach (var (k, v) in extra ?? new Dictionary<string, string?>()) settings[k] = v;
        return ServerHost.Start(scheduler, home, settings);
    }

    /// <summary>A short experiment of the simulator with prompts small enough for a 2-core machine.</summary>
    public static object SimExperiment(string testType, int nodes, string duration, object? load = null, object? slo = null,
        object? parameters = null, string warmup = "1s") => new
    {
        recipe = "vllm-sim",
        nodes,
        testType,
        duration,
        warmup,
        parameters,
        load = load ?? new { concurrency = 4, dataset = "random:input=32,output=8" },
        slo,
    };

    public static async Task<Guid> CreateAsync(HttpClient client, object request)
    {
        var response = await client.PostAsJsonAsync("/api/v1/experiments", request, Ct);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"create answered {(int)response.StatusCode}: {body}");
        var id = body.GetProperty("id").GetGuid();
        Assert.Equal($"/api/v1/experiments/{id}", response.Headers.Location?.ToString());
        return id;
    }

    public static async Task<JsonElement> GetAsync(HttpClient client, Guid id) =>
        await client.GetFromJsonAsync<JsonElement>($"/api/v1/experiments/{id}", Ct);

    public static string Stage(JsonElement detail) => detail.GetProperty("experiment").GetProperty("stage").GetString()!;

    public static string Status(JsonElement detail) => detail.GetProperty("experiment").GetProperty("status").GetString()!;

    /// <summary>Polls until <paramref name="done"/> holds; fails with the last state seen.</summary>
    public static async Task<JsonElement> WaitAsync(HttpClient client, Guid id, Func<JsonElement, bool> done, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        JsonElement detail;
        do
        {
            detail = await GetAsync(client, id);
            if (done(detail)) return detail;
            await Task.Delay(250, Ct);
        }
        while (DateTime.UtcNow < until);

        Assert.Fail($"experiment {id} did not get there in {timeout.TotalSeconds:0} s; last seen: {detail}");
        return detail;
    }

    public static Task<JsonElement> WaitEndAsync(HttpClient client, Guid id, TimeSpan timeout) =>
        WaitAsync(client, id, d => Status(d) != "running", timeout);

    public static string[] Stages(JsonElement detail) =>
        [.. detail.GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("stage").GetString()!)];
}
