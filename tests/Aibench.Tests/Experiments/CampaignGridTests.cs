using System.Text.Json;
using Aibench.Experiments.Campaigns;
using Aibench.Experiments.Features;

namespace Aibench.Tests.Experiments;

/// <summary>A campaign's grid and results, pure: cells, elements' experiments, intervals, scaling efficiency and the Pareto front.</summary>
public sealed class CampaignGridTests
{
    private static JsonElement J(object value) => JsonSerializer.SerializeToElement(value);

    private static readonly CampaignAxes TwoByTwo =
        new([1, 2], new Dictionary<string, IReadOnlyList<JsonElement>> { ["max_num_seqs"] = [J(64), J(256)] });

    [Fact]
    public void Nodes_vary_slowest_then_each_parameter_in_name_order_and_each_element_is_the_base_with_its_cell()
    {
        var axes = new CampaignAxes([1, 2], new Dictionary<string, IReadOnlyList<JsonElement>>
        {
            ["tensor_parallel_size"] = [J(2), J(4)],
            ["max_num_seqs"] = [J(64), J(256)],
        });

        var cells = CampaignGrid.Cells(axes);

        Assert.Equal(8, cells.Count);
        Assert.Equal("1 node · max_num_seqs=64 · tensor_parallel_size=2", cells[0].Label);
        Assert.Equal("1 node · max_num_seqs=64 · tensor_parallel_size=4", cells[1].Label);
        Assert.Equal("2 nodes · max_num_seqs=256 · tensor_parallel_size=4", cells[7].Label);

        var baseExperiment = new CreateExperiment("vllm", 1, "throughput", "5m", new Dictionary<string,
            JsonElement> { ["model"] = J("m"), ["max_num_seqs"] = J(8) });
        var experiment = CampaignGrid.ExperimentOf(baseExperiment, cells[7], 1, 2, "grid");
        Assert.Equal(2, experiment.Nodes);
        Assert.Equal("m", experiment.Parameters!["model"].GetString());
        Assert.Equal(256, experiment.Parameters["max_num_seqs"].GetInt32());
        Assert.Equal(4, experiment.Parameters["tensor_parallel_size"].GetInt32());
        Assert.Equal("grid · 2 nodes · max_num_seqs=256 · tensor_parallel_size=4 · #2", experiment.Name);
        Assert.Equal(8, baseExperiment.Parameters!["max_num_seqs"].GetInt32());
    }

    [Theory]
    [InlineData("empty-nodes", "axes.nodes", "at least one value")]
    [InlineData("empty-parameter", "axes.parameters.max_num_seqs", "at least one value")]
    [InlineData("zero-nodes", "axes.nodes[1]", "not a node count")]
    [InlineData("twice", "axes.nodes", "given twice")]
    [InlineData("none", "axes", "at least one axis")]
    [InlineData("too-many", "axes", "at most 10")]
    public void A_bad_grid_is_named_by_its_field(string grid, string field, string message)
    {
        var axes = grid switch
        {
            "empty-nodes" => new CampaignAxes([]),
            "empty-parameter" => new CampaignAxes(null, new Dictionary<string, IReadOnlyList<JsonElement>> { ["max_num_seqs"] = [] }),
            "zero-nodes" => new CampaignAxes([1, 0]),
            "twice" => new CampaignAxes([2, 2]),
            "none" => new CampaignAxes(),
            _ => TwoByTwo,
        };

        var problems = CampaignGrid.Check(axes, repeats: 3, maxElements: 10);

        Assert.Contains(problems, p => p.Field == field && p.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Repeats_give_each_cell_a_mean_and_a_95_percent_interval_and_a_wide_one_is_unstable()
    {
        var cells = CampaignGrid.Cells(TwoByTwo);
        ElementFigures F(int cell, int nodes, double throughput) => new(cell, nodes, nodes * 4, throughput, throughput * 100, 16, null);
        var figures = new[] { F(0, 1, 10), F(0, 1, 10.2), F(1, 1, 20), F(1, 1, 30), F(2, 2, 19), F(2, 2, 19.4), F(3, 2, 36), F(3, 2, 36.4) };

        var results = CampaignResults.Cells(cells, figures);

        // Two repeats: t(0.975, 1) = 12.706; s = 0.1414; half-width = 12.706 × 0.1414 / √2 = 1.2706.
        Assert.Equal(10.1, results[0].Throughput!.Mean, 6);
        Assert.Equal(1.2706, results[0].Throughput!.HalfWidth!.Value, 3);
        Assert.True(results[0].Unstable);
        Assert.True(results[1].Unstable);
        var single = CampaignResults.Of([5.0]);
        Assert.Equal((5.0, (double?)null, 1), (single!.Mean, single.HalfWidth, single.N));
        var many = CampaignResults.Of([100, 101, 99, 100, 100, 101, 99, 100, 100, 100]);
        Assert.False(many!.HalfWidth > CampaignResults.UnstableShare * many.Mean);

        // Scaling: the same max_num_seqs on 1 and 2 nodes; efficiency T(2) / (2·T(1)).
        var scaling = CampaignResults.Scaling(cells, results);
        Assert.Equal(2, scaling.Count);
        var seqs64 = scaling.Single(s => s.Parameters.Contains("64", StringComparison.Ordinal));
        Assert.Equal([1, 2], seqs64.Points.Select(p => p.Nodes));
        Assert.Equal(1, seqs64.Points[0].ThroughputEfficiency);
        Assert.Equal(Math.Round(19.2 / (2 * 10.1), 4), seqs64.Points[1].ThroughputEfficiency);
    }

    [Fact]
    public void The_pareto_front_keeps_the_points_no_other_beats_on_both_tokens_per_user_and_per_gpu()
    {
        var cells = CampaignGrid.Cells(TwoByTwo);
        // Output tokens/s, users, GPUs: per user = tokens / users, per GPU = tokens / GPUs.
        var figures = new[]
        {
            new ElementFigures(0, 1, 4, null, 400, 4, null),    // 100 per user, 100 per GPU
            new ElementFigures(1, 1, 4, null, 800, 16, null),   //  50 per user, 200 per GPU
            new ElementFigures(2, 2, 8, null, 400, 8, null),    //  50 per user,  50 per GPU: beaten by cell 1
            new ElementFigures(3, 2, 8, null, 2000, 64, null),  // 31.25 per user, 250 per GPU
        };

        var pareto = CampaignResults.Pareto(cells, figures);

        Assert.Equal([true, true, false, true], pareto.Select(p => p.OnFront));
        Assert.Equal((100.0, 100.0), (pareto[0].PerUser, pareto[0].PerGpu));
        Assert.Equal((31.25, 250.0), (pareto[3].PerUser, pareto[3].PerGpu));
    }
}
