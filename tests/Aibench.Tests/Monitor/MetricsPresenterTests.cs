using Aibench.Monitor.Pages;

namespace Aibench.Tests.Monitor;

/// <summary>The metrics page's rules without a page: whose series, on which grid, asked how.</summary>
public sealed class MetricsPresenterTests
{
    private static readonly Guid Id = Guid.Parse("3f2b0000-0000-0000-0000-000000000001");

    [Fact]
    public void An_experiment_wins_over_a_service_and_anything_not_an_id_shows_the_host()
    {
        Assert.Equal(new MetricSource("experiment", Id), MetricSource.Of(Id.ToString(), Guid.NewGuid().ToString()));
        Assert.Equal(new MetricSource("service", Id), MetricSource.Of(null, Id.ToString()));
        Assert.Equal(MetricSource.Host, MetricSource.Of("nope", null));
        Assert.Equal($"service:{Id}", new MetricSource("service", Id).Key);
        Assert.Equal("host", MetricSource.Host.Key);
    }

    [Fact]
    public void A_picker_value_leads_to_its_page()
    {
        Assert.Equal("/monitor", MetricSource.LinkOf("host"));
        Assert.Equal($"/monitor?service={Id}", MetricSource.LinkOf($"service:{Id}"));
    }

    [Fact]
    public void A_source_that_is_not_an_id_is_named_and_the_host_groups_are_shown()
    {
        var view = new MetricsPresenter();
        view.Results["x"] = new PresetResult(null, "old");

        view.Show(null, "abc");

        Assert.Equal("'abc' is not a service or experiment id; showing the aibench host.", view.SourceProblem);
        Assert.Empty(view.Results);
        Assert.Equal(MetricPresets.HostGroups[0], view.Group);
        view.Show(Id.ToString(), null);
        Assert.Null(view.SourceProblem);
        Assert.Equal(MetricPresets.ServiceGroups[0], view.Group);
        Assert.Equal($"Experiment {Id}", view.Describe());
    }

    [Fact]
    public void The_grid_ends_on_a_whole_step_so_points_stay_put_between_refreshes()
    {
        var now = new DateTimeOffset(2026, 12, 1, 10, 0, 17, 300, TimeSpan.Zero);

        var (from, to, step) = MetricsPresenter.Window(15, now);

        Assert.Equal(TimeSpan.FromSeconds(15), step);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 10, 0, 15, TimeSpan.Zero), to);
        Assert.Equal(to.AddMinutes(-15), from);
    }

    [Fact]
    public void A_finished_experiment_is_shown_over_its_own_span_and_a_reporting_one_over_the_last_minutes()
    {
        var first = new DateTimeOffset(2026, 12, 1, 9, 0, 3, TimeSpan.Zero);
        var span = new Aibench.Monitor.Features.SeriesSpan(first, first.AddMinutes(10));
        var view = new MetricsPresenter { Span = span };
        view.Show(Id.ToString(), null);

        // An hour later: the last 5 minutes would be empty, so the window is its own 10 minutes, 5 s steps (≤ 240 of them).
        var later = first.AddHours(1);
        var (from, to, step) = view.CurrentWindow(later);
        Assert.Equal((new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero), first.AddMinutes(10).AddSeconds(5), TimeSpan.FromSeconds(5)),
            (from, to, step));
        Assert.Contains("its own window", view.WindowNote(later));

        // Still reporting (a sample 20 s ago): the range buttons' last minutes, as for the host.
        var now = first.AddMinutes(10).AddSeconds(20);
        Assert.Equal(MetricsPresenter.Window(5, now), view.CurrentWindow(now));
        Assert.Null(view.WindowNote(now));
        Assert.Null(MetricsPresenter.Ended(null, later));
    }

    [Fact]
    public void A_query_asks_for_the_shown_source_on_the_grid_and_raw_samples_without_a_step()
    {
        var view = new MetricsPresenter();
        view.Show(null, Id.ToString());
        var t = DateTimeOffset.UnixEpoch;

        var rate = view.Query(new PresetQuery("m_total", "rate", Sum: true), t, t.AddMinutes(5), TimeSpan.FromSeconds(5));
        var raw = view.Query(new PresetQuery("m", "raw"), t, t.AddMinutes(5), TimeSpan.FromSeconds(5));

        Assert.Equal((Id, (Guid?)null, "m_total", "rate", "5s", true), (rate.Service, rate.Experiment, rate.Name, rate.Fn, rate.Step, rate.Sum));
        Assert.Null(raw.Step);
    }

    [Fact]
    public void Service_names_are_their_recipe_and_short_id_once_asked()
    {
        var view = new MetricsPresenter();
        view.Show(null, Id.ToString());
        Assert.Equal([Id], view.Unnamed());
        Assert.Equal("service 3f2b0000", view.ServiceName(Id));

        view.Named(Id, "vllm");

        Assert.Empty(view.Unnamed());
        Assert.Equal("vllm (3f2b0000)", view.ServiceName(Id));
        Assert.Equal([($"service:{Id}", "vllm (3f2b0000)")], view.SourceChoices());
    }

    [Fact]
    public void Ages_read_as_seconds_minutes_hours_and_then_the_time()
    {
        var now = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
        Assert.Equal("just now", MetricsPresenter.Ago(now.AddSeconds(1), now));
        Assert.Equal("42s ago", MetricsPresenter.Ago(now.AddSeconds(-42), now));
        Assert.Equal("5m ago", MetricsPresenter.Ago(now.AddMinutes(-5), now));
        Assert.Equal("3h ago", MetricsPresenter.Ago(now.AddHours(-3), now));
        Assert.Equal("2026-11-29 10:00:00 UTC", MetricsPresenter.Ago(now.AddDays(-2), now));
    }

    [Theory]
    [InlineData("instant", true, "instant(vllm:x) summed", "", null, true)]
    [InlineData("rate", false, "rate(vllm:x)", "per second", null, false)]
    [InlineData("quantile", true, "vllm:x q=0.99", "", 0.99, false)]
    [InlineData("raw", true, "vllm:x", "", null, false)]
    public void Any_series_becomes_a_one_query_preset(string fn, bool sum, string title, string unit, double? q, bool summed)
    {
        var preset = new CustomSeriesForm { Name = " vllm:x ", Fn = fn, Sum = sum }.Build();

        Assert.Equal(("custom", title, unit), (preset.Id, preset.Title, preset.Unit));
        Assert.Equal(new PresetQuery("vllm:x", fn, q, summed, Legend: "vllm:x"), Assert.Single(preset.Queries));
    }
}
