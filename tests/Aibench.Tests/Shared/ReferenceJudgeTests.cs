using System.Text.Json;
using Aibench.Contracts.Client;
using Aibench.Shared.References;

namespace Aibench.Tests.Shared;

/// <summary>References: every bad one named by its field, and verdicts that name each figure out of bounds.</summary>
public sealed class ReferenceJudgeTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private static readonly BenchmarkStepResult Run = new("64 in flight", 64, null, null, 60, 990, 10, 1130, 145_000, 120, 310, 12, 900, 1500, 0.97,
        TtftMeanMs: 130, TtftP90Ms: 250);

    private static Dictionary<string, ReferenceBound> Refs(params (string Figure, ReferenceBound Bound)[] bounds) =>
        bounds.ToDictionary(b => b.Figure, b => b.Bound, StringComparer.Ordinal);

    [Fact]
    public void Each_figure_out_of_bounds_is_named_with_what_was_allowed_and_those_within_pass()
    {
        var verdict = ReferenceJudge.Judge(
            Refs(("throughput", new("1200", Lower: "-5%")), ("ttft_p99", new("300ms", Upper: "+10%")), ("e2e_p50", new("1s", "-20%", "+20%")),
                ("error_rate", new("0", Upper: "+0.02"))),
            ReferenceJudge.FiguresOf(Run));

        Assert.False(verdict.Passed);
        Assert.Equal([false, true, true, true], verdict.Checks.Select(c => c.Passed));
        var throughput = verdict.Checks[0];
        Assert.Equal((1130.0, 1200.0, 1140.0), (throughput.Measured!.Value, throughput.Reference!.Value, throughput.Low!.Value));
        Assert.Null(throughput.High);
        Assert.Equal("throughput 1130 req/s is below 1140, the lowest allowed (1200 -5%)", throughput.Note);
        Assert.Equal("ttft_p99 310 ms is within ≤ 330 (300 +10%)", verdict.Checks[1].Note);
        Assert.Equal(330, verdict.Checks[1].High);
        Assert.Equal((800.0, 1200.0), (verdict.Checks[2].Low!.Value, verdict.Checks[2].High!.Value));
        Assert.Equal(0.01, verdict.Checks[3].Measured);
        Assert.Equal($"references failed: {throughput.Note}", verdict.Summary);
    }

    [Fact]
    public void An_omitted_value_is_the_baselines_and_without_a_baseline_the_figure_is_not_held_against_the_run()
    {
        var bounds = Refs(("throughput", new(Lower: "-5%")));
        var baseline = Guid.NewGuid();

        var against = ReferenceJudge.Judge(bounds, ReferenceJudge.FiguresOf(Run), new Dictionary<string, double?> { ["throughput"] = 1100 },
            baseline);
        Assert.True(against.Passed);
        Assert.Equal(1045, against.Checks[0].Low);
        Assert.Equal(baseline, against.Baseline);
        Assert.Contains("of the baseline", against.Checks[0].Note);

        var none = ReferenceJudge.Judge(bounds, ReferenceJudge.FiguresOf(Run));
        Assert.True(none.Passed);
        Assert.Contains("nothing to compare with", none.Checks[0].Note);
    }

    [Fact]
    public void A_figure_the_run_did_not_measure_fails()
    {
        var verdict = ReferenceJudge.Judge(Refs(("capacity", new("10", Lower: "-5%"))), ReferenceJudge.FiguresOf(Run));
        Assert.False(verdict.Passed);
        Assert.Contains("capacity: not measured", verdict.Summary);
    }

    [Theory]
    [InlineData("speed", "1200", "-5%", null, "references.speed", "not a figure aibench checks")]
    [InlineData("throughput", "1200", null, null, "references.throughput", "give lower, upper or both")]
    [InlineData("throughput", "fast", "-5%", null, "references.throughput.value", "not a number (req/s)")]
    [InlineData("ttft_p99", "soon", null, "+10%", "references.ttft_p99.value", "a duration like 300ms")]
    [InlineData("throughput", "1200", "5%", null, "references.throughput.lower", "like -5% or -50")]
    [InlineData("throughput", "1200", null, "-5%", "references.throughput.upper", "like +10% or +50")]
    [InlineData("ttft_p50", "300ms", "-x", null, "references.ttft_p50.lower", "like -5% or -20ms")]
    [InlineData("throughput", null, "-5%", null, "references.throughput.value", "is required here")]
    public void A_bad_reference_is_named_by_its_field(string figure, string? value, string? lower, string? upper, string field, string message)
    {
        var problems = ReferenceJudge.Validate(Refs((figure, new(value, lower, upper))), "references", baselineAllowed: false);

        var (named, text) = Assert.Single(problems);
        Assert.Equal(field, named);
        Assert.Contains(message, text);
    }

    [Fact]
    public void Values_and_bounds_may_be_json_numbers_or_texts()
    {
        var bound = JsonSerializer.Deserialize<ReferenceBound>("""{"value": 1200, "lower": -50, "upper": "+10%"}""", Web)!;

        Assert.Equal(new ReferenceBound("1200", "-50", "+10%"), bound);
        Assert.Empty(ReferenceJudge.Validate(Refs(("throughput", bound)), "references", baselineAllowed: false));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<ReferenceBound>("""{"value": [1]}""", Web));
    }
}
