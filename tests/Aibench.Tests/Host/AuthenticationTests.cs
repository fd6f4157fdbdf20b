using System.Net;
using Aibench.Host.Security;
using Aibench.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Aibench.Tests.Host;

[Collection(nameof(HostCollection))]
public sealed class AuthenticationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Token_link_sets_a_strict_http_only_cookie_and_drops_the_token_from_the_url()
    {
        await using var factory = new AibenchFactory();
        var client = factory.Anonymous();

        var link = await client.GetAsync($"/services?token={AibenchFactory.TestToken}&view=all", Ct);
        Assert.Equal(HttpStatusCode.Redirect, link.StatusCode);
        Assert.Equal("/services?view=all", link.Headers.Location?.OriginalString);
        var cookie = Assert.Single(link.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("aibench.", cookie);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(AibenchFactory.TestToken, cookie);

        var page = new HttpRequestMessage(HttpMethod.Get, "/services");
        page.Headers.Add("Cookie", cookie.Split(';')[0]);
        page.Headers.Accept.ParseAdd("text/html");
        var response = await client.SendAsync(page, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync(Ct);
        Assert.Contains("Services", html);
        Assert.Contains("_content/MudBlazor/MudBlazor.min.css", html);
    }

    [Fact]
    public async Task A_browser_without_a_session_is_sent_to_the_login_page()
    {
        await using var factory = new AibenchFactory();
        var client = factory.Anonymous();
        var request = new HttpRequestMessage(HttpMethod.Get, "/experiments");
        request.Headers.Accept.ParseAdd("text/html");

        var response = await client.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/login", response.Headers.Location!.PathAndQuery);

        var login = await client.GetAsync(response.Headers.Location, Ct);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Contains("Access token", await login.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task The_login_form_accepts_the_right_token_and_refuses_a_wrong_one()
    {
        await using var factory = new AibenchFactory();
        var client = factory.Anonymous();

        var wrong = await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = "wrong-token-wrong-token-wrong", ["returnUrl"] = "/benchmarks",
        }), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.False(wrong.Headers.Contains("Set-Cookie"));

        var right = await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = AibenchFactory.TestToken, ["returnUrl"] = "/benchmarks",
        }), Ct);
        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
        Assert.Equal("/benchmarks", right.Headers.Location?.OriginalString);
        Assert.True(right.Headers.Contains("Set-Cookie"));

        // An open redirect would let a link to aibench send a freshly logged-in user elsewhere.
        var offsite = await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = AibenchFactory.TestToken, ["returnUrl"] = "//evil.example/",
        }), Ct);
        Assert.Equal("/", offsite.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Repeated_wrong_tokens_are_throttled_but_the_right_one_always_passes()
    {
        await using var factory = new AibenchFactory();
        var wrong = factory.Authorized("wrong-token-wrong-token-wrong");
        for (var i = 0; i < TokenGuard.MaxFailures; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/api/v1/services", Ct)).StatusCode);
        }

        var throttled = await wrong.GetAsync("/api/v1/services", Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.NotNull(throttled.Headers.RetryAfter);

        // The owner is not locked out: by bearer token, by the start-up link, or on the log-in form.
        Assert.Equal(HttpStatusCode.OK, (await factory.Authorized().GetAsync("/api/v1/services", Ct)).StatusCode);
        var link = await factory.Anonymous().GetAsync($"/benchmarks?token={AibenchFactory.TestToken}", Ct);
        Assert.Equal("/benchmarks", link.Headers.Location?.OriginalString);
        var form = await factory.Anonymous().PostAsync("/login",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = AibenchFactory.TestToken }), Ct);
        Assert.Equal(HttpStatusCode.Redirect, form.StatusCode);
        Assert.Equal("/", form.Headers.Location?.OriginalString);

        // Another wrong link is refused as too many.
        var wrongLink = await factory.Anonymous().GetAsync("/?token=wrong-token-wrong-token-wrong", Ct);
        Assert.Equal("/login?error=too-many", wrongLink.Headers.Location?.OriginalString);

        // The probes stay open while wrong attempts are refused.
        Assert.Equal(HttpStatusCode.OK, (await factory.Anonymous().GetAsync("/health", Ct)).StatusCode);
    }

    [Fact]
    public async Task A_flood_of_wrong_tokens_leaves_the_right_token_at_its_normal_latency()
    {
        await using var factory = new AibenchFactory();
        var right = factory.Authorized();
        await TimedAsync(right, 10); // warm: the first requests compile routes and open the database
        var before = await TimedAsync(right, 30);

        // The flood: bounded (2,000 requests, 4 at a time) and from the test itself, as another user of the login
        // node could send it.
        var statuses = new System.Collections.Concurrent.ConcurrentBag<HttpStatusCode>();
        var flood = Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            var wrong = factory.Authorized("wrong-token-wrong-token-wrong");
            for (var i = 0; i < 500; i++)
            {
                statuses.Add((await wrong.GetAsync("/api/v1/services", Ct)).StatusCode);
            }
        }, Ct)));
        var during = new List<double>();
        while (!flood.IsCompleted || during.Count < 30)
        {
            during.AddRange(await TimedAsync(right, 1));
        }

        await flood;
        Assert.All(statuses, s => Assert.Contains(s, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests }));
        Assert.Equal(TokenGuard.MaxFailures, statuses.Count(s => s == HttpStatusCode.Unauthorized));

        // Every right request answered 200 (TimedAsync asserts it); its median stays within a few times the median
        // before the flood (the flood shares the machine's two cores, so some slowdown is the CPU's, not a lock-out's).
        var medianBefore = Median(before);
        var medianDuring = Median(during);
        Assert.True(medianDuring <= 5 * medianBefore + 20,
            $"median latency of the right token: {medianBefore:F1} ms before, {medianDuring:F1} ms during the flood");
    }

    private static async Task<List<double>> TimedAsync(HttpClient client, int count)
    {
        var times = new List<double>(count);
        for (var i = 0; i < count; i++)
        {
            var start = System.Diagnostics.Stopwatch.GetTimestamp();
            var response = await client.GetAsync("/api/v1/services", Ct);
            times.Add(System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        return times;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    [Fact]
    public async Task A_generated_token_is_private_to_its_owner_and_never_logged()
    {
        await using var factory = new AibenchFactory(withToken: false);
        _ = factory.Server;
        var tokenFile = Path.Combine(factory.Home, "token");

        Assert.True(File.Exists(tokenFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(tokenFile));
        var token = (await File.ReadAllTextAsync(tokenFile, Ct)).Trim();
        Assert.True(token.Length >= 43, "256 random bits, base64url");

        var client = factory.Anonymous();
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync($"/benchmarks?token={token}", Ct)).StatusCode);
        var bearer = factory.Authorized(token);
        Assert.Equal(HttpStatusCode.OK, (await bearer.GetAsync("/api/v1/services", Ct)).StatusCode);

        // The request log line is written after the response reached the client: wait for both requests' lines.
        var text = "";
        for (var waited = 0; waited < 100 && !(text.Contains("GET /benchmarks") && text.Contains("GET /api/v1/services")); waited++)
        {
            if (waited > 0)
                await Task.Delay(100, Ct);
            text = await ReadLogsAsync(Path.Combine(factory.Home, "logs"));
        }

        Assert.Contains("GET /benchmarks", text);
        Assert.Contains("GET /api/v1/services", text);
        Assert.DoesNotContain(token, text);

        Assert.Equal(
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
            File.GetUnixFileMode(factory.Home) & (UnixFileMode)0b111_111_111);
    }

    [Fact]
    public async Task A_new_token_ends_the_sessions_of_the_old_one()
    {
        var home = Path.Combine(Directory.CreateTempSubdirectory("aibench-rotate-").FullName, "home");
        string session;
        await using (var before = new AibenchFactory(home: home))
        {
            var link = await before.Anonymous().GetAsync($"/?token={AibenchFactory.TestToken}", Ct);
            session = Assert.Single(link.Headers.GetValues("Set-Cookie")).Split(';')[0].Split('=', 2)[1];
        }

        const string newToken = "a-brand-new-token-0123456789abcdef";
        await using var after = new AibenchFactory(home: home, settings: new Dictionary<string, string?> { ["Token"] = newToken });
        var cookieName = after.Services.GetRequiredService<Aibench.Host.Security.TokenStore>().CookieName;
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/services");
        request.Headers.Add("Cookie", $"{cookieName}={session}");
        Assert.Equal(HttpStatusCode.Unauthorized, (await after.Anonymous().SendAsync(request, Ct)).StatusCode);
    }

    [Fact]
    public async Task An_existing_data_folder_open_to_others_is_made_private()
    {
        var home = Path.Combine(Directory.CreateTempSubdirectory("aibench-open-").FullName, "home");
        Directory.CreateDirectory(home, (UnixFileMode)0b111_101_101);
        await using var factory = new AibenchFactory(home: home);
        _ = factory.Server;
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(home));
    }

    [Fact]
    public async Task Metrics_can_be_opened_to_a_site_prometheus_on_request()
    {
        await using var factory = new AibenchFactory(settings: new Dictionary<string, string?> { ["Metrics:Anonymous"] = "true" });
        var response = await factory.Anonymous().GetAsync("/metrics", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.Contains("http_requests_received_total", text);
        Assert.Contains("dotnet_collection_count_total", text);

        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.Anonymous().GetAsync("/api/v1/services", Ct)).StatusCode);
    }

    private static async Task<string> ReadLogsAsync(string folder)
    {
        var text = new System.Text.StringBuilder();
        foreach (var log in Directory.GetFiles(folder))
        {
            await using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            text.Append(await new StreamReader(stream).ReadToEndAsync(Ct));
        }

        return text.ToString();
    }
}
