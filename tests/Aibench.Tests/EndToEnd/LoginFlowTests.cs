using System.Text.RegularExpressions;
using Aibench.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Aibench.Tests.EndToEnd;

/// <summary>Logging in from a real browser, as the start-up line tells the user to.</summary>
public sealed class LoginFlowTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("aibench-bin-login-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public async Task The_printed_link_logs_in_and_a_wrong_token_is_sent_back_to_the_login_page()
    {
        Assert.SkipWhen(Browser.Unavailable() is not null, Browser.Unavailable() ?? "");
        await using var aibench = AibenchProcess.Start(Path.Combine(_temp.FullName, "home"), "serve", "--urls", "http://127.0.0.1:0");
        var url = await aibench.ReadyAsync(TimeSpan.FromSeconds(90));

        await using (var wrong = await Browser.LogInAsync(url, "not-the-token", "login-wrong", expectDashboard: false))
        {
            await wrong.Page.WaitForURLAsync(new Regex("/login"));
            await Assertions.Expect(wrong.Page.Locator("form[action='/login']")).ToBeVisibleAsync();
            await wrong.ShotAsync("login");
        }

        await using var browser = await Browser.LogInAsync(url, aibench.Token, "login");
        // The token leaves the address bar once the cookie is set.
        await browser.Page.WaitForURLAsync(new Regex("^[^?]*$"));
        await Assertions.Expect(browser.Page.GetByRole(AriaRole.Navigation)).ToBeVisibleAsync();
        await Assertions.Expect(browser.Page.Locator("h4, h1").First).ToContainTextAsync("Dashboard");
        await browser.ShotAsync("dashboard");
    }
}
