using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Aibench.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Aibench.Tests.EndToEnd;

/// <summary>
/// The published program with two finished experiments of vllm-sim (local scheduler), shared by the dashboard's
/// layout, accessibility and input tests: started once for the class.
/// </summary>
public sealed class DashboardHost : IAsyncLifetime
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("aibench-bin-layout-");
    private AibenchProcess? _aibench;

    public Uri Url { get; private set; } = null!;

    public string Token => _aibench!.Token;

    /// <summary>The two experiments, as the API answered them once finished.</summary>
    public List<JsonElement> Experiments { get; } = [];

    public async ValueTask InitializeAsync()
    {
        if (Browser.Unavailable() is not null) return;
        _aibench = AibenchProcess.Start(Path.Combine(_temp.FullName, "home"), "serve", "--urls", "http://127.0.0.1:0",
            "--set", "Scheduler:Kind=local", "--set", "Scheduler:PollSeconds=1", "--set", "Monitor:ScrapeSeconds=1");
        Url = await _aibench.ReadyAsync(TimeSpan.FromSeconds(90));
        using var client = new HttpClient { BaseAddress = Url };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        var ids = new List<string>();
        foreach (var nodes in new[] { 1, 2 })
        {
            var created = await client.PostAsJsonAsync("/api/v1/experiments",
                new { recipe = "vllm-sim", nodes, testType = "throughput", duration = "8s", warmup = "2s" });
            created.EnsureSuccessStatusCode();
            ids.Add((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
        }

        var until = DateTime.UtcNow.AddMinutes(4);
        foreach (var id in ids)
        {
            while (true)
            {
                var detail = await client.GetFromJsonAsync<JsonElement>($"/api/v1/experiments/{id}");
                var status = detail.GetProperty("experiment").GetProperty("status").GetString();
                if (status != "running")
                {
                    Assert.True(status == "completed", detail.ToString());
                    Experiments.Add(detail);
                    break;
                }

                Assert.True(DateTime.UtcNow < until, $"experiment {id} still {detail.GetProperty("experiment").GetProperty("stage")}");
                await Task.Delay(1000);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_aibench is not null) await _aibench.DisposeAsync();
        _temp.Delete(recursive: true);
    }
}

/// <summary>
/// The dashboard on a phone (390×844) and a laptop (1400×900), light and dark: no page scrolls sideways, the finished
/// experiment's headline, charts and logs are readable (checked in the DOM), axe-core finds no serious or critical
/// violation on the main pages, no page asks any host but aibench, and the node field refuses what it cannot take.
/// Screenshots of every page and size go to the test results folder.
/// </summary>
[Collection(nameof(HostCollection))]
public sealed class DashboardLayoutTests(DashboardHost host) : IClassFixture<DashboardHost>
{
    private static readonly (int Width, int Height)[] Sizes = [(390, 844), (1400, 900)];

    private string Experiment(int i) => host.Experiments[i].GetProperty("experiment").GetProperty("id").GetString()!;

    private string[] Pages() =>
    [
        "/", "/experiments", "/experiments/new", $"/experiments/{Experiment(1)}", $"/experiments/compare?ids={Experiment(0)},{Experiment(1)}",
        "/campaigns", "/services", $"/services/{host.Experiments[1].GetProperty("experiment").GetProperty("serviceId").GetString()}",
        "/recipes", "/recipes/vllm-sim", "/benchmarks",
        $"/benchmarks/{host.Experiments[1].GetProperty("experiment").GetProperty("benchmarkId").GetString()}",
        "/monitor", "/logs", "/notifications", "/docs", "/no-such-page",
    ];

    private static void SkipWithoutBrowser() => Assert.SkipWhen(Browser.Unavailable() is not null, Browser.Unavailable() ?? "");

    /// <summary>Opens a page and waits until it runs live and its first reads have landed.</summary>
    private static async Task OpenAsync(Browser browser, string path)
    {
        await browser.Page.GotoAsync(path);
        if (path != "/docs")
        {
            await browser.LiveAsync();
        }

        try
        {
            await browser.Page.WaitForLoadStateAsync(LoadState.NetworkIdle, new() { Timeout = 3_000 });
        }
        catch (TimeoutException)
        {
            // A page that streams (logs, the jobs dashboard's polling) is never idle; what it shows after the wait is
            // what is checked (the suite runs 68 such loads, so the wait is kept short).
        }

        await browser.Page.WaitForTimeoutAsync(500);
    }

    /// <summary>Elements that reach past the right edge of the window (the first few), or none.</summary>
    private static Task<string[]> OverflowAsync(IPage page) => page.EvaluateAsync<string[]>("""
        () => {
          const vw = document.documentElement.clientWidth;
          if (document.documentElement.scrollWidth <= vw + 1) return [];
          const wide = [];
          for (const el of document.querySelectorAll('body *')) {
            const r = el.getBoundingClientRect();
            const id = el.dataset.testid ? '#' + el.dataset.testid : '';
            if (r.width > 0 && r.right > vw + 1) wide.push(`${el.tagName.toLowerCase()}${id} right ${Math.round(r.right)}`);
          }
          return [`scrollWidth ${document.documentElement.scrollWidth} > ${vw}`, ...wide.slice(0, 8)];
        }
        """);

    [Fact]
    public async Task Every_page_fits_a_phone_and_a_laptop_in_light_and_dark_and_asks_no_other_host()
    {
        SkipWithoutBrowser();
        var problems = new List<string>();
        var outside = new HashSet<string>();
        foreach (var (width, height) in Sizes)
        {
            foreach (var dark in new[] { false, true })
            {
                var name = $"layout-{width}-{(dark ? "dark" : "light")}";
                await using var browser = await Browser.LogInAsync(host.Url, host.Token, name, width: width, height: height, dark: dark);
                browser.Page.Request += (_, request) =>
                {
                    var uri = new Uri(request.Url);
                    if (uri.Scheme is "http" or "https" or "ws" or "wss" && uri.Authority != host.Url.Authority) lock (outside)
                        outside.Add(request.Url);
                };
                foreach (var path in Pages())
                {
                    await OpenAsync(browser, path);
                    await browser.ShotAsync(Regex.Replace(path.Split('?')[0], "[^a-z0-9]+", "-").Trim('-') is { Length: > 0 } p ? p : "home");
                    foreach (var wide in await OverflowAsync(browser.Page))
                    {
                        problems.Add($"{width} {(dark ? "dark" : "light")} {path}: {wide}");
                    }
                }

                var background = await browser.Page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor");
                Assert.True(dark == Luminance(background) < 0.3, $"{name}: background {background}");
                await ExperimentPageIsReadableAsync(browser, width, problems);
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.True(outside.Count == 0, "requests to other hosts: " + string.Join(" ", outside));
    }

    /// <summary>The finished experiment opens on its answer, and its charts and log lines fit the window and are not squeezed.</summary>
    private async Task ExperimentPageIsReadableAsync(Browser browser, int width, List<string> problems)
    {
        await OpenAsync(browser, $"/experiments/{Experiment(1)}");
        var page = browser.Page;
        await Assertions.Expect(browser.ById("headline")).ToBeVisibleAsync();
        await Assertions.Expect(browser.ById("headline-tokens")).Not.ToContainTextAsync("–");
        // The answer comes before the charts, and the stages are folded away below them.
        var headline = (await browser.ById("headline").BoundingBoxAsync())!;
        var charts = (await browser.ById("chart-throughput").BoundingBoxAsync())!;
        Assert.True(headline.Y < charts.Y, "the headline is not above the charts");
        await Assertions.Expect(browser.ById("how-it-ran")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid='stage-row']").First).ToBeHiddenAsync();

        await Assertions.Expect(page.Locator("[data-testid='chart-requests'] svg")).ToBeVisibleAsync();
        var plots = await page.EvaluateAsync<double[][]>("""
            () => [...document.querySelectorAll('.ab-chart-plot svg')].map(svg => {
              const r = svg.getBoundingClientRect();
              const text = svg.querySelector('text');
              return [r.left, r.right, text ? parseFloat(getComputedStyle(text).fontSize) * (r.width / svg.viewBox.baseVal.width) : 0];
            })
            """);
        Assert.NotEmpty(plots);
        foreach (var (plot, i) in plots.Select((p, i) => (p, i)))
        {
            if (plot[1] > width + 1) problems.Add($"{width}: chart {i} ends at {plot[1]:0}");
            // Tick labels as drawn on screen: the SVG is drawn at the box's own width, so they keep 12 px.
            if (plot[2] < 11) problems.Add($"{width}: chart {i} text is {plot[2]:0.#} px");
        }

        var lines = page.Locator("[data-testid='log-line']");
        await Assertions.Expect(lines.First).ToBeVisibleAsync(new() { Timeout = 30_000 });
        var texts = await page.EvaluateAsync<double[][]>("""
            () => [...document.querySelectorAll('[data-testid="log-line"] .ab-log-text')].slice(0, 20).map(t => {
              const r = t.getBoundingClientRect();
              return [r.right, r.width];
            })
            """);
        foreach (var (right, textWidth) in texts.Select(t => (t[0], t[1])))
        {
            if (right > width + 1) problems.Add($"{width}: a log line ends at {right:0}");
            // A line's text gets most of the width, not a sliver of one character a line.
            if (textWidth < Math.Min(width, 1400) * 0.4) problems.Add($"{width}: a log line's text is {textWidth:0} px wide");
        }

        await browser.ShotAsync("experiment-readable");
    }

    [Fact]
    public async Task Axe_core_finds_no_serious_or_critical_violation_on_the_main_pages()
    {
        SkipWithoutBrowser();
        var found = new List<string>();
        foreach (var (width, height) in Sizes)
        {
            foreach (var dark in new[] { false, true })
            {
                await using var browser = await Browser.LogInAsync(host.Url, host.Token, $"axe-{width}-{(dark ? "dark" : "light")}", width: width,
                    height: height, dark: dark);
                foreach (var path in new[] { "/", "/experiments/new", $"/experiments/{Experiment(1)}",
                             $"/experiments/compare?ids={Experiment(0)},{Experiment(1)}", "/logs" })
                {
                    await OpenAsync(browser, path);
                    found.AddRange((await AxeCore.SeriousAsync(browser.Page)).Select(v => $"{width} {(dark ? "dark" : "light")} {path}: {v}"));
                }
            }
        }

        Assert.True(found.Count == 0, string.Join("\n", found));
    }

    [Fact]
    public async Task The_node_field_refuses_zero_negative_fractional_empty_and_too_many_at_the_field_with_Start_disabled()
    {
        SkipWithoutBrowser();
        await using var browser = await Browser.LogInAsync(host.Url, host.Token, "node-field", width: 390, height: 844);
        await OpenAsync(browser, "/experiments/new");
        var nodes = browser.Input("nodes");
        var start = browser.ById("start");
        await Assertions.Expect(start).ToBeEnabledAsync();
        foreach (var (typed, message) in new[]
                 {
                     ("0", "At least 1 node, not 0."), ("-3", "At least 1 node, not -3."),
                     ("1.5", "'1.5' is not a whole number of nodes"), ("", "Enter the number of nodes"),
                     ("999", "At most 64 nodes (Server:MaxNodes), not 999."),
                 })
        {
            await nodes.FillAsync(typed);
            // At the field: its own helper line turns into the message, and the field says it is invalid.
            var field = browser.Page.Locator(".mud-input-control:has(input[data-testid='nodes']), .mud-input-control[data-testid='nodes']");
            await Assertions.Expect(field).ToContainTextAsync(message);
            await Assertions.Expect(nodes).ToHaveAttributeAsync("aria-invalid", "true");
            await Assertions.Expect(start).ToBeDisabledAsync();
            // The value stays as typed: nothing is clamped or emptied behind the user's back.
            await Assertions.Expect(nodes).ToHaveValueAsync(typed);
            // Enter submits the form as ever, and nothing starts.
            await nodes.PressAsync("Enter");
            await browser.Page.WaitForTimeoutAsync(500);
            Assert.EndsWith("/experiments/new", browser.Page.Url, StringComparison.Ordinal);
            await browser.ShotAsync($"nodes-{(typed.Length == 0 ? "empty" : typed.Replace('.', '_'))}");
        }

        await nodes.FillAsync("2");
        await Assertions.Expect(start).ToBeEnabledAsync();
        await Assertions.Expect(browser.ById("preview")).ToContainTextAsync("2 nodes");
    }

    /// <summary>Relative luminance (0 black … 1 white) of a CSS rgb()/rgba() colour.</summary>
    private static double Luminance(string css)
    {
        var parts = Regex.Matches(css, @"[\d.]+").Select(m => double.Parse(m.Value, CultureInfo.InvariantCulture) / 255).ToArray();
        return (0.2126 * parts[0]) + (0.7152 * parts[1]) + (0.0722 * parts[2]);
    }
}
