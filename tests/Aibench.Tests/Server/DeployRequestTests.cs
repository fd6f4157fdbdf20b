using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aibench.Tests.Infrastructure;

namespace Aibench.Tests.Server;

/// <summary>Bad input to the Server module's API: every refusal names its field, and nothing is created.</summary>
[Collection(nameof(HostCollection))]
public sealed class DeployRequestTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("""{"recipe":"../../etc/passwd"}""", "recipe")]
    [InlineData("""{"recipe":"http-server","nodes":-1}""", "nodes")]
    [InlineData("""{"recipe":"http-server","nodes":100000}""", "nodes")]
    [InlineData("""{"recipe":"http-server","nodes":"four"}""", "nodes")]
    [InlineData("""{"recipe":"http-server","parameters":{"shell":"$(id)"}}""", "parameters.shell")]
    [InlineData("""{"recipe":"http-server","parameters":{"greeting":"a\nb"}}""", "parameters.greeting")]
    [InlineData("""{"recipe":"http-server","parameters":{"greeting":{"nested":1}}}""", "parameters.greeting")]
    [InlineData("""{"recipe":"fails-at-start","nodes":3}""", "nodes")]
    [InlineData("""{"recipe":"http-server","restart":{"max":11}}""", "restart.max")]
    [InlineData("""{"recipe":"http-server","restart":{"max":-1}}""", "restart.max")]
    [InlineData("""{"recipe":"http-server","restart":{"max":1,"backoff":"soon"}}""", "restart.backoff")]
    [InlineData("""{"recipe":"http-server","restart":{"max":1,"backoff":"2h"}}""", "restart.backoff")]
    public async Task Bad_deploy_requests_are_refused_naming_the_field_and_leave_nothing_behind(string body, string field)
    {
        await using var host = ServerHost.Start("local");
        var response = await host.Client.PostAsync("/api/v1/services", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), Ct);
        var problem = await Problem.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.NotEmpty(Problem.FieldErrors(problem, field));

        var services = await host.Client.GetFromJsonAsync<JsonElement>("/api/v1/services", Ct);
        Assert.Equal(0, services.GetArrayLength());
        var runs = Path.Combine(host.Factory.Home, "runs");
        Assert.True(!Directory.Exists(runs) || Directory.GetDirectories(runs).Length == 0);
    }

    [Fact]
    public async Task A_recipe_name_that_walks_out_of_the_folder_is_refused()
    {
        await using var host = ServerHost.Start("local");
        var problem = await Problem.ReadAsync(await host.Client.GetAsync("/api/v1/recipes/..%2F..%2Fetc%2Fpasswd", Ct), HttpStatusCode.BadRequest);
        Assert.NotEmpty(Problem.FieldErrors(problem, "name"));
        await Problem.ReadAsync(await host.Client.GetAsync("/api/v1/recipes/no-such-recipe", Ct), HttpStatusCode.NotFound);
        var recipe = await host.Client.GetFromJsonAsync<JsonElement>("/api/v1/recipes/http-server", Ct);
        Assert.Equal("greeting", recipe.GetProperty("parameters")[0].GetProperty("name").GetString());
    }

}
