using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Aibench.Tests.Infrastructure;

namespace Aibench.Tests.EndToEnd;

/// <summary>
/// The published aibench program as an operator runs it for the failure drills (issue #15): SLURM scheduler, a home of
/// its own with the SQLite database, a fixed loopback port (a restart comes back on the same address), and the short
/// pauses tests want.
/// </summary>
internal sealed class DrillHost : IAsyncDisposable
{
    private DrillHost(AibenchProcess process, Uri url)
    {
        Process = process;
        Client = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(100) };
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", process.Token);
    }

    public AibenchProcess Process { get; }

    public HttpClient Client { get; }

    public Uri Url => Client.BaseAddress!;

    /// <param name="slurmConf">Another cluster than the shared one (SLURM_CONF of the test run).</param>
    /// <param name="settings">More <c>--set key=value</c> settings.</param>
    public static async Task<DrillHost> StartAsync(string home, int port, string? slurmConf = null, params string[] settings)
    {
        var environment = new Dictionary<string, string>();
        if (slurmConf is not null) environment["SLURM_CONF"] = slurmConf;
        string[] args =
        [
            "serve", "--urls", $"http://127.0.0.1:{port}",
            "--set", "Scheduler:Kind=slurm", "--set", "Scheduler:PollSeconds=1",
            "--set", "Experiments:PollSeconds=1", "--set", "Experiments:CollectDelay=1s",
            .. settings.SelectMany(s => new[] { "--set", s }),
        ];
        Drills.InstallSimRecipe(home);
        var process = AibenchProcess.Start(home, environment, args);
        try
        {
            return new DrillHost(process, await process.ReadyAsync(TimeSpan.FromSeconds(90)));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Process.DisposeAsync();
    }
}

/// <summary>What every drill checks: the experiment's result holds every measured request once, and no job is left behind.</summary>
internal static class Drills
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The simulator recipe of the drills: <c>vllm-sim</c> as shipped, on ports of its own.</summary>
    public const string Recipe = "vllm-sim-drill";

    /// <summary>
    /// Puts <see cref="Recipe"/> in the home's recipe folder, as a user adds a recipe: the shipped vllm-sim with another
    /// base port. The test clusters' nodes all share this machine's ports, and a replica checks that its port is free
    /// before it binds it; two services starting at once from the same base (another test's, on the shared or another
    /// cluster) can both find one port free and one of them then fails with "address already in use".
    /// </summary>
    public static void InstallSimRecipe(string home)
    {
        var file = Path.Combine(home, "recipes", $"{Recipe}.yaml");
        if (File.Exists(file))
        {
            // A restart on the same home keeps the recipe its services were deployed from.
            return;
        }

        var shipped = File.ReadAllText(Path.Combine(Repo.Root, "recipes", "vllm-sim.yaml"));
        // Below Linux's ephemeral range (32768 and up), where any outgoing connection may hold a port for a while.
        var port = Random.Shared.Next(10_000, 16_000);
        var recipe = shipped.Replace("name: vllm-sim\n", $"name: {Recipe}\n", StringComparison.Ordinal)
            .Replace("port: 8000\n", $"port: {port}\n", StringComparison.Ordinal);
        Assert.Contains($"name: {Recipe}\n", recipe);
        Assert.Contains($"port: {port}\n", recipe);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, recipe);
    }

    /// <summary>
    /// A latency test of the simulator with constant arrivals, so that the plan fixes the request count (rate ×
    /// duration) and a lost or doubled request shows. Prompts small enough for a 2-core machine.
    /// </summary>
    public static object LatencyExperiment(string name, int nodes, double rate, string duration, int workerNodes = 0, string warmup = "2s") => new
    {
        recipe = Recipe,
        name,
        nodes,
        testType = "latency",
        duration,
        warmup,
        load = workerNodes > 0
            ? (object)new { rate, arrival = "constant", dataset = "random:input=32,output=8", placement = new { kind = "slurm", nodes = workerNodes }
                }
            : new { rate, arrival = "constant", dataset = "random:input=32,output=8" },
    };

    /// <summary>The requests a constant-rate plan sends: rate × duration, give or take one per sender at each end.</summary>
    public static void AssertCountWithinPlan(JsonElement done, double rate, double seconds, int senders)
    {
        var overall = done.GetProperty("result").GetProperty("overall");
        var sent = overall.GetProperty("completed").GetInt64() + overall.GetProperty("failed").GetInt64();
        var planned = rate * seconds;
        Assert.True(Math.Abs(sent - planned) <= 2 * senders, $"{sent} requests measured, the plan sends {planned:0} (± {2 * senders})");
    }

    /// <summary>
    /// Nothing lost, nothing doubled: the request count of the result is exactly the measured rows of its per-request
    /// export (not warm-up, not cancelled in flight), every row's index is unique and no row appears twice.
    /// </summary>
    public static async Task<string[]> AssertNothingLostAsync(HttpClient client, JsonElement done)
    {
        var result = done.GetProperty("result");
        Assert.True(result.ValueKind == JsonValueKind.Object && result.GetProperty("overall").ValueKind == JsonValueKind.Object,
            $"no overall result: {done}");
        var overall = result.GetProperty("overall");
        var counted = overall.GetProperty("completed").GetInt64() + overall.GetProperty("failed").GetInt64();
        var benchmarkId = result.GetProperty("benchmarkId").GetGuid();
        var rows = (await client.GetStringAsync($"/api/v1/benchmarks/{benchmarkId}/export?format=jsonl", Ct))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var parsed = rows.Select(r => JsonDocument.Parse(r).RootElement).ToList();
        var measured = parsed.Count(r => !r.GetProperty("warmup").GetBoolean()
                                         && !(r.GetProperty("error") is { ValueKind: JsonValueKind.String } e && e.GetString() == "cancelled"));
        Assert.True(counted == measured, $"the result counts {counted} requests, the export has {measured} measured rows of {rows.Length}");
        Assert.Equal(parsed.Count, parsed.Select(r => r.GetProperty("index").GetInt64()).Distinct().Count());
        Assert.Equal(rows.Length, rows.Distinct(StringComparer.Ordinal).Count());
        Assert.True(counted > 0, "the result holds no request at all");
        return rows;
    }

    /// <summary>
    /// No orphaned job: every SLURM job whose name carries one of <paramref name="ids"/> (the service's, each load run's
    /// workers) has ended, within <paramref name="patience"/> (a cancelled job is COMPLETING for a moment).
    /// </summary>
    public static async Task AssertNoJobLeftAsync(IEnumerable<Guid> ids, TimeSpan patience, string? slurmConf = null)
    {
        var parts = ids.Select(i => i.ToString("N")).ToArray();
        var until = DateTime.UtcNow + patience;
        SlurmCluster.Job[] active;
        while ((active = [.. (await SlurmCluster.JobsNamedAsync(parts, slurmConf)).Where(j => j.Active)]).Length > 0 && DateTime.UtcNow < until)
        {
            await Task.Delay(500, Ct);
        }

        Assert.True(active.Length == 0, $"jobs left running: {string.Join(", ", active.Select(j => $"{j.Id} {j.Name} {j.State}"))}");
    }

    /// <summary>The fields of a result, as paths (steps by index, values left out): two runs of one plan have the same.</summary>
    public static SortedSet<string> Shape(JsonElement element, string path = "")
    {
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in element.EnumerateObject())
                {
                    paths.Add($"{path}.{p.Name}");
                    // Optional parts (a TTFT breakdown that needs a metrics scrape, error samples) are compared by presence only.
                    if (p.Name is "overall" or "steps") paths.UnionWith(Shape(p.Value, $"{path}.{p.Name}"));
                }

                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray()) paths.UnionWith(Shape(item, $"{path}[{i++}]"));
                paths.Add($"{path}.length={i}");
                break;
        }

        return paths;
    }

    /// <summary>
    /// Waits until the experiment's measured run has answers in (its own progress, not the warm-up's last), or the
    /// experiment ended; answers the last detail seen.
    /// </summary>
    public static Task<JsonElement> MeasuringAsync(HttpClient client, Guid id, TimeSpan patience) =>
        Experiments.ExperimentDriver.WaitAsync(client, id, d => Experiments.ExperimentDriver.Status(d) != "running"
            || (Experiments.ExperimentDriver.Stage(d) == "loading"
                && d.GetProperty("experiment").GetProperty("benchmarkId") is { ValueKind: JsonValueKind.String } run
                && d.GetProperty("progress") is { ValueKind: JsonValueKind.Object } p
                && p.GetProperty("benchmarkId").GetGuid() == run.GetGuid() && p.GetProperty("completed").GetInt64() > 0), patience);

    /// <summary>Fails unless the experiment reached its measured load; the message carries the replicas' error output.</summary>
    public static void AssertMeasuring(JsonElement detail)
    {
        if (Experiments.ExperimentDriver.Stage(detail) == "loading") return;
        Assert.Fail($"the experiment did not reach its load: {detail}\n{ReplicaErrors(detail)}");
    }

    /// <summary>The last lines of each replica's error output, for a failure message.</summary>
    public static string ReplicaErrors(JsonElement detail)
    {
        if (detail.GetProperty("service") is not { ValueKind: JsonValueKind.Object } service
            || service.GetProperty("runFolder").GetString() is not { } folder || !Directory.Exists(folder))
        {
            return "(no run folder)";
        }

        return string.Join("\n", Directory.GetFiles(folder, "task-*.err", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => $"{f}:\n  {string.Join("\n  ", File.ReadLines(f).TakeLast(8))}"));
    }

    public static async Task<JsonElement> GetJsonAsync(HttpClient client, string url) => await client.GetFromJsonAsync<JsonElement>(url, Ct);

    /// <summary>Posts <paramref name="body"/> as JSON and answers the reply; fails with the answer when it is not a success.</summary>
    public static async Task<JsonElement> PostAsync(HttpClient client, string url, object body)
    {
        var response = await client.PostAsJsonAsync(url, body, Ct);
        var answer = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"{url} answered {(int)response.StatusCode}: {answer}");
        return JsonDocument.Parse(answer).RootElement;
    }

    /// <summary>Waits until <paramref name="check"/> holds, asking again every half second; false if it never did.</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> check, TimeSpan patience)
    {
        var until = DateTime.UtcNow + patience;
        do
        {
            if (await check()) return true;
            await Task.Delay(500, Ct);
        }
        while (DateTime.UtcNow < until);

        return await check();
    }

    public static string Format(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);
}
