using System.Text.Json;
using Aibench.Contracts.Server;
using Aibench.Experiments.Pages;

namespace Aibench.Tests.Experiments;

/// <summary>The new-experiment form's rules without a page: the command it builds, the fields it refuses, where errors go.</summary>
public sealed class NewExperimentFormTests
{
    private static RecipeParameterOption Param(string name, string type = "string", string? value = null) =>
        new(name, type, value, null, null, [], $"{name} help", Required: false, Secret: false);

    private static readonly RecipeOptions Options = new(
    [
        new RecipeOption("vllm", "real vLLM", "multi", 2, 4, 16, null, [Param("model", value: "llama"), Param("dtype")]),
        new RecipeOption("vllm-sim", "the simulator", "single", 1, 0, 1, null, [Param("ttft", value: "50ms")]),
    ], MaxNodes: 8);

    [Fact]
    public void It_starts_on_the_simulator_with_its_defaults_and_builds_a_plain_throughput_command()
    {
        var form = new NewExperimentForm(Options);

        var command = form.Build(out var errors);

        Assert.Empty(errors);
        Assert.Equal("vllm-sim", command.Recipe);
        Assert.Null(command.Nodes); // a single-node recipe takes no node count
        Assert.Equal("throughput", command.TestType);
        Assert.Equal("1m", command.Duration);
        Assert.Equal("50ms", command.Parameters!["ttft"].GetString());
        Assert.Null(command.Load);
        Assert.Null(command.Slo);
        Assert.Null(command.Warmup);
        Assert.False(command.KeepService);
    }

    [Fact]
    public void The_grid_builder_makes_a_campaign_of_the_forms_experiment_once_something_varies_and_takes_its_errors_at_its_fields()
    {
        var form = new NewExperimentForm(Options);
        form.SelectRecipe("vllm");
        form.Duration = "30s";
        form.Grid.Open = true;
        Assert.False(form.Grid.Active);

        form.Grid.Nodes = "1, 2";
        form.Grid.Parameter = "dtype";
        form.Grid.Values = "float16, bfloat16";
        form.Grid.Repeats = "2";
        form.Grid.Throttle = "3";
        Assert.True(form.Grid.Active);
        var campaign = form.BuildCampaign(out var errors);

        Assert.Empty(errors);
        Assert.Equal("30s", campaign.Base!.Duration);
        Assert.Equal([1, 2], campaign.Axes!.Nodes);
        Assert.Equal(["float16", "bfloat16"], campaign.Axes.Parameters!["dtype"].Select(v => v.GetString()));
        Assert.Equal((2, 3), (campaign.Repeats, campaign.Throttle));

        form.Grid.Nodes = "1, two";
        form.Grid.Repeats = "many";
        form.BuildCampaign(out errors);
        Assert.Equal(["axes.nodes", "repeats"], errors.Select(e => e.Field));

        // The module's errors: the base experiment's fields land on the form, the axes' on the builder.
        form.Show([("base.duration", "bad duration"), ("axes.nodes[1]", "too many nodes"), ("axes.parameters.dtype", "unknown value")]);
        Assert.Equal("bad duration", form.Err("duration"));
        Assert.Equal("too many nodes", form.Err("axes.nodes"));
        Assert.Equal("unknown value", form.Err("axes.parameters.dtype"));
        Assert.Null(form.General);
    }

    [Fact]
    public void Choosing_a_recipe_takes_its_nodes_and_parameter_defaults_and_drops_the_old_ones()
    {
        var form = new NewExperimentForm(Options);
        form.SelectRecipe("vllm");
        form.Nodes = "3";

        var command = form.Build(out _);

        Assert.Equal(("vllm", 3), (command.Recipe, command.Nodes));
        Assert.Equal(["model"], command.Parameters!.Keys); // dtype has no value, ttft belonged to the simulator
        form.SelectRecipe("no-such-recipe");
        Assert.Equal("vllm", form.RecipeName);
    }

    [Fact]
    public void Only_the_load_fields_of_the_test_type_are_sent_and_text_is_trimmed()
    {
        var form = new NewExperimentForm(Options) { TestType = "stress", Duration = " 5m ", Warmup = "  " };
        form.LoadValues["from"] = "1";
        form.LoadValues["to"] = "20.5";
        form.LoadValues["concurrency"] = "64"; // left over from throughput
        form.LoadValues["dataset"] = " random:input=8,output=8 ";

        var command = form.Build(out var errors);

        Assert.Empty(errors);
        Assert.Equal("5m", command.Duration);
        Assert.Null(command.Warmup);
        Assert.Equal((1.0, 20.5), (command.Load!.From, command.Load.To));
        Assert.Null(command.Load.Concurrency);
        Assert.Equal("random:input=8,output=8", command.Load.Dataset);
    }

    [Fact]
    public void Numbers_that_do_not_parse_are_reported_with_the_field_they_came_from()
    {
        var form = new NewExperimentForm(Options) { TestType = "sweep" };
        form.LoadValues["concurrencies"] = "1, 2.5";
        form.LoadValues["maxInFlight"] = "many";
        form.SloValues["target"] = "0,9";
        form.LoadValues["placement"] = "slurm";
        form.LoadValues["placement.nodes"] = "1.5";

        form.Build(out var errors);

        Assert.Equal(
            ["load.concurrencies", "load.maxInFlight", "load.placement.nodes", "slo.target"],
            errors.Select(e => e.Field).Order(StringComparer.Ordinal));
        Assert.Contains(errors, e => e.Message == "'load.maxInFlight' must be a number, not 'many'.");
        Assert.Contains(errors, e => e.Message == "'load.placement.nodes' must be a whole number, not '1.5'.");
    }

    [Fact]
    public void Load_from_a_slurm_job_sends_its_placement_with_one_worker_by_default()
    {
        var form = new NewExperimentForm(Options);
        form.LoadValues["placement"] = "slurm";
        form.LoadValues["placement.partition"] = " gpu ";

        var placement = form.Build(out _).Load!.Placement!;

        Assert.Equal(("slurm", 1, 1, "gpu"), (placement.Kind, placement.Nodes, placement.TasksPerNode, placement.Partition));
    }

    [Fact]
    public void An_error_goes_next_to_its_field_unfolds_the_advanced_part_and_one_without_a_field_goes_in_the_alert()
    {
        var form = new NewExperimentForm(Options);

        form.Show([("duration", "Too long."), ("duration", "Really."), ("load.concurrency", "Above 0."), ("load.rate", "Not for throughput."),
            ("", "Busy.")]);

        Assert.Equal("Too long. Really.", form.Err("duration"));
        Assert.True(form.Has("load.concurrency"));
        Assert.False(form.Has("load.rate")); // throughput shows no rate field
        Assert.Equal("Not for throughput. Busy.", form.General);
        Assert.True(form.Advanced);
        form.ClearErrors();
        Assert.Empty(form.Errors);
        Assert.Null(form.General);
    }

    [Theory]
    [InlineData("parameters.ttft", true)]
    [InlineData("parameters.model", false)]
    [InlineData("load.placement.kind", true)]
    [InlineData("load.placement.nodes", false)]
    [InlineData("slo.ttft", true)]
    [InlineData("slo.p42", false)]
    [InlineData("name", false)]
    public void A_field_is_shown_only_when_the_form_has_it_now(string field, bool shown) =>
        Assert.Equal(shown, new NewExperimentForm(Options).IsShown(field));

    [Fact]
    public void Parameters_are_sent_as_json_strings()
    {
        var form = new NewExperimentForm(Options);
        form.Parameters["ttft"] = "80ms";

        Assert.Equal(JsonValueKind.String, form.Build(out _).Parameters!["ttft"].ValueKind);
    }

    [Theory]
    [InlineData("served_model_name", "Served model name")]
    [InlineData("maxErrorRate", "Max error rate")]
    [InlineData("ttft", "TTFT")]
    [InlineData("maxInFlight", "Max in flight")]
    [InlineData("gpu_memory_utilization", "GPU memory utilization")]
    public void Fields_are_labelled_for_people_and_keep_their_API_key_in_the_helper_line(string key, string label)
    {
        Assert.Equal(label, NewExperimentForm.Friendly(key));
        Assert.Equal($"Most errors allowed · slo.{key}", NewExperimentForm.WithKey("Most errors allowed", "slo." + key));
    }

    [Theory]
    [InlineData("0", "At least 1 node, not 0.")]
    [InlineData("-3", "At least 1 node, not -3.")]
    [InlineData("\u22123", "At least 1 node, not -3.")]
    [InlineData("1.5", "'1.5' is not a whole number of nodes (1 to 8).")]
    [InlineData("", "Enter the number of nodes, 1 to 8.")]
    [InlineData("9", "At most 8 nodes (Server:MaxNodes), not 9.")]
    public void The_node_count_is_refused_at_its_field_never_adjusted(string typed, string message)
    {
        var form = new NewExperimentForm(Options);
        form.SelectRecipe("vllm");
        form.Nodes = typed;

        form.Build(out var errors);

        Assert.Equal(("nodes", message), Assert.Single(errors));
        Assert.Equal(typed, form.Nodes);
    }
}
