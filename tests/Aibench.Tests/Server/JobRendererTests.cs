using Aibench.Server.Recipes;
using Aibench.Server.Scheduling;
using Aibench.Tests.Infrastructure;

namespace Aibench.Tests.Server;

public sealed class JobRendererTests
{
    private static readonly Guid ServiceId = Guid.Parse("0192f3a4-5b6c-7d8e-9f01-23456789abcd");

    public static TheoryData<string> ShippedRecipes => RecipeTests.ShippedRecipes;

    private static Recipe Shipped(string name) =>
        RecipeParser.Parse(File.ReadAllText(Path.Combine(Repo.Root, "recipes", name + ".yaml")), name).Recipe!;

    private static JobSpec Spec(Recipe recipe, IReadOnlyDictionary<string, string>? values = null)
    {
        var defaults = Parameters.Resolve(recipe, null, new Dictionary<string, List<string>>());
        return new JobSpec(ServiceId, recipe, values ?? defaults, recipe.Resources.Nodes,
            $"/project/scratch/p200000/aibench/runs/{ServiceId}", "p200000", recipe.Resources.Partition, recipe.Resources.Qos)
        {
            AibenchBinary = "/project/home/u100000/bin/aibench",
        };
    }

    /// <summary>The rendered scripts of every shipped recipe are pinned (golden files).</summary>
    [Theory]
    [MemberData(nameof(ShippedRecipes))]
    public void Shipped_recipes_render_to_their_golden_scripts(string name) =>
        Scripts.AssertGolden(name, JobRenderer.Render(Spec(Shipped(name))));

    [Theory]
    [MemberData(nameof(ShippedRecipes))]
    public async Task Rendered_scripts_are_valid_bash(string name)
    {
        var rendered = JobRenderer.Render(Spec(Shipped(name)));
        foreach (var script in new[] { rendered.BatchScript, rendered.EnvScript, rendered.TaskScript })
        {
            var (code, _, stderr) = await Scripts.BashAsync(["-n"], script);
            Assert.True(code == 0, stderr);
        }
    }

    [Fact]
    public void The_batch_script_asks_slurm_for_what_the_recipe_says()
    {
        var batch = JobRenderer.Render(Spec(Shipped("vllm-replicas"))).BatchScript;
        foreach (var directive in new[] { "--nodes=2", "--ntasks=2", "--ntasks-per-node=1", "--gpus-per-node=4", "--cpus-per-task=32",
                     "--time=02:00:00", "--partition=gpu", "--account=p200000", "--qos=default" })
        {
            Assert.Contains($"#SBATCH {directive}\n", batch);
        }

        Assert.Contains("module load 'Apptainer/1.3.6-GCCcore-13.3.0'", batch);
    }

    [Theory]
    [InlineData("$(touch /tmp/x)")]
    [InlineData("`id`")]
    [InlineData("a'b\"c")]
    [InlineData("; rm -rf ~ #")]
    [InlineData("${HOME} $HOME \\$")]
    [InlineData("*?[a]{b,c}~")]
    public async Task Values_come_out_of_the_scripts_exactly_as_they_went_in(string value)
    {
        var recipe = RecipeParser.Parse("""
            name: echo
            category: inference
            command: [printf, "%s|%s", "{{text}}", "x{{text}}y"]
            ports: [{name: http, port: 8000}]
            env: {ECHOED: "<{{text}}>"}
            parameters: [{name: text, type: string}]
            """, "echo").Recipe!;
        var rendered = JobRenderer.Render(Spec(recipe, new Dictionary<string, string> { ["text"] = value }));
        var folder = Directory.CreateTempSubdirectory("aibench-render-").FullName;
        try
        {
            var env = Path.Combine(folder, "env.sh");
            await File.WriteAllTextAsync(env, rendered.EnvScript.Replace($"/project/scratch/p200000/aibench/runs/{ServiceId}", folder,
                StringComparison.Ordinal), TestContext.Current.CancellationToken);
            var (code, stdout, stderr) = await Scripts.BashAsync(["-c", $"source '{env}'; printf '%s' \"$AIBENCH_P_TEXT\""], null);
            Assert.True(code == 0, stderr);
            Assert.Equal(value, stdout);

            var command = rendered.TaskScript.Split('\n').Single(l => l.StartsWith("exec ", StringComparison.Ordinal))[5..];
            var exports = rendered.TaskScript.Split('\n').Single(l => l.StartsWith("export ECHOED=", StringComparison.Ordinal));
            (code, stdout, stderr) = await Scripts.BashAsync(["-c", $"source '{env}'; {exports}; {command}; printf '|%s' \"$ECHOED\""], null);
            Assert.True(code == 0, stderr);
            Assert.Equal($"{value}|x{value}y|<{value}>", stdout);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Control_characters_can_never_be_rendered()
    {
        Assert.Throws<ArgumentException>(() => JobRenderer.Quote("a\nb"));
    }
}
