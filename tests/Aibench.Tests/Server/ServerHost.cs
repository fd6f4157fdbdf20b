using System.Net.Http.Json;
using System.Text.Json;
using Aibench.Tests.Infrastructure;

namespace Aibench.Tests.Server;

/// <summary>A host set up to deploy the test recipes on one scheduler, polling every second.</summary>
public sealed class ServerHost : IAsyncDisposable
{
    private ServerHost(AibenchFactory factory) => Factory = factory;

    public AibenchFactory Factory { get; private set; }

    public HttpClient Client { get; private set; } = null!;

    /// <param name="kestrel">Serve on a real port (not in memory), for callers outside this process such as load-generator workers.</param>
    public static ServerHost Start(string scheduler, string? home = null, IDictionary<string, string?>? extra = null, bool kestrel = false)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Scheduler:Kind"] = scheduler,
            ["Scheduler:PollSeconds"] = "1",
            // The simulator recipe runs the real aibench program on the "compute nodes".
            ["Server:AibenchBinary"] = AibenchProcess.Binary(),
        };
        foreach (var (k, v) in extra ?? new Dictionary<string, string?>()) settings[k] = v;
        if (kestrel)
        {
            // Not aibench's default port: the simulator's replicas search for theirs from 8000 up.
            settings["Urls"] = $"http://127.0.0.1:{AibenchProcess.FreePort()}";
        }

        var factory = new AibenchFactory(settings: settings, home: home);
        if (kestrel)
        {
            factory.UseKestrel();
        }

        CopyRecipes(factory.Home);
        var host = new ServerHost(factory);
        host.Client = factory.Authorized();
        if (kestrel)
        {
            host.Client.BaseAddress = new Uri(settings["Urls"]!);
        }
        return host;
    }

    /// <summary>The test recipes go into the user's recipe folder, as a user would put theirs.</summary>
    private static void CopyRecipes(string home)
    {
        var target = Directory.CreateDirectory(Path.Combine(home, "recipes")).FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Server", "Recipes"), "*.yaml"))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)), overwrite: true);
        }
    }

    public async Task<JsonElement> DeployAsync(object request)
    {
        var response = await Client.PostAsJsonAsync("/api/v1/services", request, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, $"deploy answered {(int)response.StatusCode}: {body}");
        return body;
    }

    public async Task<JsonElement> ServiceAsync(Guid id) =>
        await Client.GetFromJsonAsync<JsonElement>($"/api/v1/services/{id}", TestContext.Current.CancellationToken);

    /// <summary>Polls the service until <paramref name="done"/> holds; fails with the last state seen.</summary>
    public async Task<JsonElement> WaitAsync(Guid id, Func<JsonElement, bool> done, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        JsonElement service;
        do
        {
            service = await ServiceAsync(id);
            if (done(service)) return service;
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }
        while (DateTime.UtcNow < until);

        Assert.Fail($"service {id} did not get there in {timeout.TotalSeconds:0} s; last seen: {service}");
        return service;
    }

    public static bool StatusIs(JsonElement service, params string[] statuses) => statuses.Contains(service.GetProperty("status").GetString());

    public async ValueTask DisposeAsync() => await Factory.DisposeAsync();
}
