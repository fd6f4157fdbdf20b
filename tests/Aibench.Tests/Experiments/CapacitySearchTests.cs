using Aibench.Contracts.Client;
using Aibench.Experiments.Planning;
using Microsoft.Extensions.Time.Testing;

namespace Aibench.Tests.Experiments;

/// <summary>
/// The capacity search's decisions, from probe results alone: a service whose SLO holds up to a known rate is played by
/// a function, so every bracket, bisection, repeat and stop can be checked without a host.
/// </summary>
public sealed class CapacitySearchTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-07T08:00:00Z"));

    private static CapacitySearch Search(double start = 1, double tolerance = 0.05, double maxRate = 10_000, int repeats = 3) =>
        CapacitySearch.Begin(new ExperimentCapacity(start, tolerance, 200, "2s", maxRate, repeats), new ExperimentSlo(Ttft: "200ms"), 1);

    /// <summary>A probe's run: <paramref name="met"/> of <paramref name="measured"/> requests met the objectives.</summary>
    private static BenchmarkResult Run(double rate, long measured, long met, long failed = 0, string stop = "max-requests", bool limited = false,
        Dictionary<string, double>? objectives = null) =>
        new(Guid.NewGuid(), BenchmarkStatus.Completed, null, null, null,
            new BenchmarkStepResult($"{rate} req/s", null, rate, rate, measured / rate, measured - failed, failed,
                (measured - failed) / (measured / rate),
                (measured - failed) / (measured / rate) * 20, 30, 60, 10, 200, 300, measured == 0 ? null : (double)met / measured, TtftP90Ms: 50,
                ObjectiveAttainment: objectives ?? new Dictionary<string, double> { ["ttft"] = measured == 0 ? 0 : (double)met / measured }),
            [], [], stop, limited);

    /// <summary>Runs the search against a service that meets the SLO exactly up to <paramref name="capacity"/> req/s.</summary>
    private (CapacitySearch Search, CapacityDecision Stop) Drive(CapacitySearch search, Func<double, BenchmarkResult> service,
        TimeSpan? budget = null)
    {
        for (var i = 0; i < 100; i++)
        {
            var next = search.Next(_time.GetUtcNow(), budget ?? TimeSpan.FromHours(1));
            if (next.Rate is not { } rate)
            {
                return (search, next);
            }

            search = search.Started(rate, Guid.NewGuid(), _time.GetUtcNow());
            _time.Advance(TimeSpan.FromSeconds(30));
            search = search.Record(service(rate));
        }

        throw new InvalidOperationException("the search did not stop");
    }

    private static Func<double, BenchmarkResult> Holds(double capacity) =>
        rate => rate <= capacity ? Run(rate, 200, 200) : Run(rate, 40, 10, stop: "slo-broken");

    [Theory]
    [InlineData(37.04, 1)]
    [InlineData(14.29, 4)]
    [InlineData(0.9, 1)]
    [InlineData(1234, 16)]
    public void It_brackets_by_doubling_then_bisects_until_the_capacity_is_known_within_the_tolerance(double capacity, double start)
    {
        var (search, stop) = Drive(Search(start), Holds(capacity));

        Assert.Equal("converged", stop.Ended);
        var outcome = search.Outcome(stop.Ended!);
        Assert.InRange(capacity, outcome.Lower!.Value, outcome.Upper!.Value);
        Assert.True(outcome.HalfWidthPercent <= 5, $"± {outcome.HalfWidthPercent} %");
        Assert.InRange(Math.Abs(outcome.Rate!.Value - capacity) / capacity, 0, 0.05);
        Assert.False(outcome.AtLeast);
        Assert.Equal("ttft", outcome.BrokeFirst);
        // Doubling to the bracket and then halving it: a few probes per factor of two, never a grid.
        Assert.InRange(search.Probes.Count, 3, 16);
        Assert.Equal(search.Probes.Select(p => p.Index), Enumerable.Range(1, search.Probes.Count));
        // The output-token capacity follows from the passing probes' tokens per request (20 here).
        Assert.Equal(outcome.Rate!.Value * 20, outcome.OutputTokensPerSecond!.Value, 1);
    }

    [Theory]
    [InlineData(10, 1)]
    [InlineData(37, 4)]
    [InlineData(1, 1)]
    public void In_concurrency_mode_it_finds_the_most_requests_in_flight_that_hold_a_whole_number_with_what_they_carried(int capacity, int start)
    {
        var closed = CapacitySearch.Begin(new ExperimentCapacity(start, 0.05, 200, "2s", Repeats: 3, Mode: "concurrency"),
            new ExperimentSlo(Itl: "40ms"), 1);
        // In flight c carries 3·c req/s of 20 tokens each while it holds.
        var (search, stop) = Drive(closed, c => c <= capacity ? Run(3 * c, 200, 200) : Run(3 * c, 40, 10, stop: "slo-broken"));

        Assert.Equal("converged", stop.Ended);
        Assert.All(search.Probes, p => Assert.Equal(Math.Floor(p.Rate), p.Rate));
        var outcome = search.Outcome(stop.Ended!);
        Assert.Equal("concurrency", outcome.Mode);
        // The most in flight known to hold, within the tolerance of the first that failed (37 ends between 36 and 38).
        var found = (int)outcome.Rate!.Value;
        Assert.Equal(outcome.Lower, found);
        Assert.InRange(capacity, found, outcome.Upper!.Value - 1);
        // Within the tolerance, or neighbours (1 and 2 in flight are ± 33 %, and nothing lies between them).
        Assert.True(outcome.HalfWidthPercent <= 5 || outcome.Upper == found + 1, $"± {outcome.HalfWidthPercent} %");
        Assert.Equal(3 * found, outcome.RequestRate!.Value, 3);
        Assert.Equal(60 * found, outcome.OutputTokensPerSecond!.Value, 1);
        Assert.Contains($"{found} in flight", outcome.Summary);
        Assert.Contains($"carrying {3 * found} req/s", outcome.Summary);

        // Each probe is a closed loop that counts its measured requests apart from its timed settling period.
        var spec = search.ProbeSpec(new BenchmarkSpec(Name: "cap", Load: new LoadShape("rate", Rate: 1)), 8, 5);
        Assert.Equal(new LoadShape("concurrency", Concurrency: 8), spec.Load);
        Assert.Equal((null, 200, "2s"), (spec.MaxRequests, spec.MeasuredRequests, spec.Warmup));
        Assert.True(spec.Slo!.StopEarly);
    }

    [Fact]
    public void In_concurrency_mode_a_level_that_never_holds_stops_below_one_in_flight()
    {
        var closed = CapacitySearch.Begin(new ExperimentCapacity(4, Mode: "concurrency"), new ExperimentSlo(Itl: "40ms"), 1);
        var (search, stop) = Drive(closed, c => Run(3 * c, 40, 10, stop: "slo-broken"));

        Assert.Equal("below-start", stop.Ended);
        Assert.Equal([4.0, 2, 1], search.Probes.Select(p => p.Rate));
        Assert.Null(search.Outcome(stop.Ended!).Rate);
    }

    [Fact]
    public void A_probe_too_close_to_the_target_to_call_is_repeated_and_its_requests_pooled()
    {
        // At 40 req/s 183 of 200 (91.5 %) met a 90 % target: inside the 95 % interval, so it runs again; twice more at the most.
        var calls = new Dictionary<double, int>();
        BenchmarkResult Service(double rate)
        {
            calls[rate] = calls.GetValueOrDefault(rate) + 1;
            return rate < 40 ? Run(rate, 200, 200) : rate == 40 ? Run(rate, 200, 183) : Run(rate, 40, 10, stop: "slo-broken");
        }

        var (search, stop) = Drive(Search(start: 10), Service);

        Assert.Equal(3, calls[40]);
        Assert.All(calls.Where(c => c.Key != 40), c => Assert.Equal(1, c.Value));
        Assert.Equal("converged", stop.Ended);
        // Pooled, 91.5 % passes a 90 % target: 40 is the highest rate that passed.
        Assert.Equal(40, search.Outcome(stop.Ended!).Lower);
    }

    [Fact]
    public void A_clear_verdict_needs_no_repeat()
    {
        var (search, _) = Drive(Search(start: 10), Holds(30));
        Assert.Equal(search.Probes.Count, search.Probes.Select(p => p.Rate).Distinct().Count());
    }

    [Fact]
    public void A_probe_the_client_could_not_deliver_ends_the_search_with_at_least_what_passed_below_it()
    {
        var (search, stop) = Drive(Search(start: 10), rate => Run(rate, 200, 200, limited: rate >= 80));

        Assert.Equal("client-limited", stop.Ended);
        var outcome = search.Outcome(stop.Ended!);
        Assert.True(outcome.AtLeast);
        Assert.Equal(40, outcome.Rate);
        Assert.Null(outcome.Upper);
        Assert.Contains("at least 40 req/s", outcome.Summary);
        Assert.Contains("the client could not deliver 80 req/s", outcome.Summary);
    }

    [Fact]
    public void A_service_that_never_fails_is_carried_to_the_highest_rate_and_reported_as_at_least()
    {
        var (search, stop) = Drive(Search(start: 100, maxRate: 500), rate => Run(rate, 200, 200));

        Assert.Equal("max-rate", stop.Ended);
        Assert.Equal([100, 200, 400, 500], search.Probes.Select(p => p.Rate));
        Assert.True(search.Outcome(stop.Ended!).AtLeast);
        Assert.Equal(500, search.Outcome(stop.Ended!).Rate);
    }

    [Fact]
    public void Below_the_start_rate_it_halves_and_gives_up_when_nothing_passes()
    {
        var (search, stop) = Drive(Search(start: 64), rate => Run(rate, 40, 0, stop: "slo-broken"));

        Assert.Equal("below-start", stop.Ended);
        var outcome = search.Outcome(stop.Ended!);
        Assert.Null(outcome.Rate);
        Assert.Equal(1, outcome.Upper);
        Assert.Contains("did not hold even at 1 req/s", outcome.Summary);

        var (found, _) = Drive(Search(start: 64), Holds(5));
        Assert.InRange(5, found.Outcome("converged").Lower!.Value, found.Outcome("converged").Upper!.Value);
    }

    [Fact]
    public void The_budget_stops_the_search_with_the_interval_it_has()
    {
        // 30 s a probe, from 0 s: the ones that start before the budget is spent run, none after.
        var (early, stop) = Drive(Search(start: 1, tolerance: 0.005), Holds(37), TimeSpan.FromMinutes(3));
        Assert.Equal("budget", stop.Ended);
        Assert.Equal([1, 2, 4, 8, 16, 32], early.Probes.Select(p => p.Rate));
        Assert.True(early.Outcome(stop.Ended!).AtLeast);
        Assert.Equal(32, early.Outcome(stop.Ended!).Rate);

        var (later, _) = Drive(Search(start: 1, tolerance: 0.005), Holds(37), TimeSpan.FromMinutes(4.5));
        Assert.Equal([1, 2, 4, 8, 16, 32, 64, 48, 40], later.Probes.Select(p => p.Rate));
        var outcome = later.Outcome("budget");
        Assert.Equal((32, 40), (outcome.Lower, outcome.Upper));
        Assert.Equal(11.11, outcome.HalfWidthPercent);
    }

    [Fact]
    public void A_probe_that_would_run_past_the_budget_is_not_started()
    {
        // 200 measured requests after 2 s: a probe at 1 req/s takes 202 s, at 2 req/s 102 s.
        var search = Search(start: 1).Started(1, Guid.NewGuid(), _time.GetUtcNow());
        _time.Advance(TimeSpan.FromSeconds(202));
        search = search.Record(Run(1, 200, 200));

        Assert.Equal(2, search.Next(_time.GetUtcNow(), TimeSpan.FromSeconds(304)).Rate);
        Assert.Equal("budget", search.Next(_time.GetUtcNow(), TimeSpan.FromSeconds(303)).Ended);
    }

    [Fact]
    public void At_the_rates_resolution_a_bracket_that_cannot_be_split_has_converged()
    {
        // A probe at these rates takes days (200 requests at 0.004 req/s): a budget long enough for them.
        var (search, stop) = Drive(Search(start: 0.004, tolerance: 0.005), Holds(0.0052), TimeSpan.FromDays(365));

        Assert.Equal("converged", stop.Ended);
        Assert.Equal((0.005, 0.006), (search.Outcome("converged").Lower, search.Outcome("converged").Upper));
        Assert.Equal(search.Probes.Count, search.Probes.Select(p => p.Rate).Distinct().Count());
    }

    [Fact]
    public void Errors_over_the_limit_fail_a_probe_and_are_named_as_what_broke()
    {
        var (search, stop) = Drive(Search(start: 8), rate => rate <= 20 ? Run(rate, 200, 200) : Run(rate, 200, 190, failed: 12));

        var outcome = search.Outcome(stop.Ended!);
        Assert.Equal("errors", outcome.BrokeFirst);
        Assert.InRange(20, outcome.Lower!.Value, outcome.Upper!.Value);
    }

    [Fact]
    public void What_broke_first_is_the_objective_the_fewest_requests_met_at_the_lowest_failing_rate()
    {
        var (search, stop) = Drive(Search(start: 8), rate => rate <= 20 ? Run(rate, 200, 200)
            : Run(rate, 200, 100, objectives: new() { ["ttft"] = 0.95, ["e2e"] = 0.5 }));

        Assert.Equal("e2e", search.Outcome(stop.Ended!).BrokeFirst);
    }

    [Fact]
    public void A_probe_runs_at_its_rate_for_the_settling_period_and_the_measured_requests_and_stops_once_it_cannot_pass()
    {
        var search = Search();
        var load = new BenchmarkSpec(Name: "cap", Load: new LoadShape("rate", Rate: 1, Arrival: "constant", MaxInFlight: 512), Duration: "5m",
            Slo: new SloSpec(Ttft: "200ms"));

        var probe = search.ProbeSpec(load, 12.5, 3);

        Assert.Equal("cap · probe 3 · 12.5 req/s", probe.Name);
        Assert.Equal(new LoadShape("rate", Rate: 12.5, Arrival: "constant", MaxInFlight: 512), probe.Load);
        // Sent for (25 + 200) / 12.5 = 18 s; the duration only bounds it (and sizes a worker job's time limit).
        Assert.Equal("66s", probe.Duration);
        Assert.Equal("2s", probe.Warmup);
        Assert.Equal(25 + 200, probe.MaxRequests);
        Assert.Equal(new SloSpec(Ttft: "200ms", Target: 0.9, StopEarly: true), probe.Slo);
        Assert.Equal((25 + 200) / 12.5, search.ProbeSeconds(12.5), 6);
    }

    [Fact]
    public void The_wilson_interval_is_narrow_for_many_requests_and_wide_for_few()
    {
        var (low, high) = CapacitySearch.Wilson(0.9, 10_000);
        Assert.InRange(high - low, 0.01, 0.015);
        var (fewLow, fewHigh) = CapacitySearch.Wilson(1.0, 20);
        Assert.InRange(fewLow, 0.83, 0.84);
        Assert.Equal(1.0, fewHigh, 6);
    }
}
