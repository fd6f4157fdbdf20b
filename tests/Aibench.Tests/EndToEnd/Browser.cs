using Microsoft.Playwright;

namespace Aibench.Tests.EndToEnd;

/// <summary>
/// Debian's chromium driven by Playwright (its own browser downloads fail here). Without chromium these tests skip when
/// run by hand and fail under the test script (AIBENCHTEST_REQUIRE_BROWSER=1), so CI can never pass them silently.
/// </summary>
public sealed class Browser : IAsyncDisposable
{
    public const string Chromium = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly string _name;
    private int _shots;

    private Browser(IPlaywright playwright, IBrowser browser, IPage page, string name)
    {
        _playwright = playwright;
        _browser = browser;
        Page = page;
        _name = name;
    }

    public IPage Page { get; }

    /// <summary>Where screenshots go: the test results folder CI keeps (scripts/test.sh), else next to the tests.</summary>
    public static string ScreenshotFolder =>
        Environment.GetEnvironmentVariable("AIBENCHTEST_SCREENSHOTS") is { Length: > 0 } folder
            ? folder
            : Path.Combine(AppContext.BaseDirectory, "screenshots");

    public static string? Unavailable()
    {
        if (File.Exists(Chromium))
        {
            return null;
        }

        const string reason = "No chromium at /usr/bin/chromium: run ./scripts/test.sh, which installs it.";
        if (Environment.GetEnvironmentVariable("AIBENCHTEST_REQUIRE_BROWSER") == "1")
        {
            throw new InvalidOperationException(reason);
        }

        return reason;
    }

    /// <summary>A laptop-sized window, logged in through the printed link as a user would be.</summary>
    public static async Task<Browser> LogInAsync(Uri baseUrl, string token, string name, bool expectDashboard = true, int width = 1366,
        int height = 900, bool dark = false)
    {
        // CI has 2 cores shared with every other test: an answer may take seconds, so expectations wait up to 30 s.
        Assertions.SetDefaultExpectTimeout(30_000);
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            // Root in CI: chromium refuses to sandbox as root.
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
            {
                BaseURL = baseUrl.ToString(), ViewportSize = new ViewportSize { Width = width, Height = height },
                // The dashboard's first render follows the system's preference, as a user's browser would set it.
                ColorScheme = dark ? ColorScheme.Dark : ColorScheme.Light,
            });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        await page.GotoAsync($"/?token={Uri.EscapeDataString(token)}");
        var session = new Browser(playwright, browser, page, name);
        if (expectDashboard)
        {
            await session.LiveAsync();
        }

        return session;
    }

    /// <summary>
    /// Waits until the page runs live: the prerendered HTML looks the same but ignores clicks and typing, which a test
    /// (unlike a person) would send at once. After every full page load.
    /// </summary>
    public Task LiveAsync() => Page.Locator("[data-testid='interactive']").WaitForAsync(new LocatorWaitForOptions
        { State = WaitForSelectorState.Attached });

    public ILocator ById(string testId) => Page.Locator($"[data-testid='{testId}']");

    /// <summary>The input of a field whether the test id sits on the input itself or on the component around it.</summary>
    public ILocator Input(string testId) => Page.Locator($"input[data-testid='{testId}'], [data-testid='{testId}'] input").First;

    /// <summary>A full-page screenshot named by test and step, in order.</summary>
    public async Task<string> ShotAsync(string step)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        var path = Path.Combine(ScreenshotFolder, $"{_name}-{++_shots:00}-{step}.png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.CloseAsync();
        _playwright.Dispose();
    }
}
