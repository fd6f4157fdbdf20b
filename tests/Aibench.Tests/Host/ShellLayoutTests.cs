using Aibench.Host.Components.Layout;
using Aibench.Tests.Infrastructure;
using Bunit;
using Microsoft.AspNetCore.Components;

namespace Aibench.Tests.Host;

public sealed class ShellLayoutTests : PageTest
{
    public ShellLayoutTests()
    {
        // The layout renders a marker once it runs live; here it does, as on a connected circuit.
        SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
    }

    [Fact]
    public void The_navigation_lists_every_area_of_the_application()
    {
        var layout = Render<MainLayout>(p => p.Add(l => l.Body, (RenderFragment)(b => b.AddContent(0, "page body"))));

        var links = layout.FindAll("nav a").Select(a => (Text: a.TextContent.Trim(), Href: a.GetAttribute("href"))).ToList();
        Assert.Equal(
            [("Dashboard", "/"), ("Experiments", "/experiments"), ("Campaigns", "/campaigns"), ("Services", "/services"), ("Recipes", "/recipes"),
             ("Benchmarks", "/benchmarks"), ("Metrics", "/monitor"), ("Logs", "/logs"), ("Notifications", "/notifications"), ("Jobs", "/jobs"),
                 ("API docs", "/docs")],
            links);
        Assert.Contains("page body", layout.Markup);
    }

    [Fact]
    public void The_theme_toggle_switches_between_light_and_dark()
    {
        var layout = Render<MainLayout>(p => p.Add(l => l.Body, (RenderFragment)(b => b.AddContent(0, "x"))));
        Assert.False(layout.Instance.IsDarkMode);

        layout.Find("[data-testid=theme-toggle]").Click();
        Assert.True(layout.Instance.IsDarkMode);
        Assert.Equal("Toggle dark mode", layout.Find("[data-testid=theme-toggle]").GetAttribute("aria-label"));
        Assert.Contains("--mud-native-html-color-scheme: dark", layout.Markup);

        layout.Find("[data-testid=theme-toggle]").Click();
        Assert.False(layout.Instance.IsDarkMode);
    }
}
