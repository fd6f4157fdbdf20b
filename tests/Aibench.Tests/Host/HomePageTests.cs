using Aibench.Experiments.Features;
using Aibench.Host.Components.Pages;
using Aibench.Tests.Experiments;
using Aibench.Tests.Infrastructure;
using Bunit;

namespace Aibench.Tests.Host;

/// <summary>The dashboard rendered against a real host with the local scheduler.</summary>
[Collection(nameof(Infrastructure.HostCollection))]
public sealed class HomePageTests : PageTest, IClassFixture<SqliteExperimentHost>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    public HomePageTests(SqliteExperimentHost host)
    {
        UseHost(host.Host.Factory.Services);
    }

    [Fact]
    public void A_first_time_user_sees_the_start_button_empty_states_pointing_at_it_and_the_scheduler()
    {
        var page = Render<Home>();

        Assert.Equal("/experiments/new", page.Find("[data-testid=start-experiment]").GetAttribute("href"));
        page.WaitForAssertion(() =>
        {
            Assert.Contains("Nothing is running", page.Find("[data-testid=running-experiments]").TextContent);
            Assert.Contains("Start new benchmark experiment", page.Find("[data-testid=recent-results]").TextContent);
            Assert.Equal("local", page.Find("[data-testid=scheduler-kind]").TextContent.Trim());
            Assert.Contains("0 pending, 0 running", page.Find("[data-testid=scheduler-queue]").TextContent);
        }, Patience);
    }
}
