using Aibench.Server.Scheduling;

namespace Aibench.Tests.Server;

/// <summary>The batch script of a job array: the members' resources, one task per service, nothing a user typed as shell syntax.</summary>
public sealed class ArrayRendererTests
{
    private const string Member = """
        #!/bin/bash -l
        #SBATCH --job-name=aibench-vllm-1
        #SBATCH --nodes=2
        #SBATCH --ntasks=2
        #SBATCH --time=30
        #SBATCH --output=/runs/a/slurm-%j.out
        #SBATCH --error=/runs/a/slurm-%j.err
        set -euo pipefail
        """;

    [Theory]
    [InlineData(new[] { 0, 1, 2, 3 }, 2, "0-3%2")]
    [InlineData(new[] { 3, 0, 2 }, 2, "0,2,3%2")]
    [InlineData(new[] { 0, 0, 2 }, 5, "0,2")]
    [InlineData(new[] { 4 }, 1, "4")]
    [InlineData(new[] { 0, 1 }, 2, "0-1")]
    public void Indices_are_slurms_list_with_the_throttle_only_when_it_holds_something_back(int[] indices, int throttle, string expected) =>
        Assert.Equal(expected, ArrayRenderer.Indices(indices, throttle));

    [Fact]
    public void The_array_asks_for_the_members_resources_and_each_task_runs_its_own_services_job_script()
    {
        var script = ArrayRenderer.Render("aibench-vllm-array-x", "/runs/arrays/x", Member,
            [new ArrayMember(0, "/runs/a"), new ArrayMember(1, "/runs/it's b")], 1);

        Assert.Equal("#SBATCH --nodes=2\n#SBATCH --ntasks=2\n#SBATCH --time=30", ArrayRenderer.Shape(Member));
        Assert.Contains("#SBATCH --nodes=2\n#SBATCH --ntasks=2\n#SBATCH --time=30\n", script);
        Assert.Contains("#SBATCH --job-name=aibench-vllm-array-x\n", script);
        Assert.Contains("#SBATCH --array=0-1%1\n", script);
        Assert.DoesNotContain("aibench-vllm-1", script);
        // Output through the array folder's link per task, into the service's own run folder.
        Assert.Contains("#SBATCH --output=/runs/arrays/x/%a/slurm-%A_%a.out\n", script);
        // A run folder is a quoted literal, whatever it holds.
        Assert.Contains("  1) run='/runs/it'\\''s b' ;;\n", script);
        Assert.Contains("exec /bin/bash -l \"$run/job.sh\"\n", script);
        Assert.True(script.IndexOf("#SBATCH", StringComparison.Ordinal) < script.IndexOf("set -euo", StringComparison.Ordinal));
        Assert.DoesNotContain("#SBATCH", script[script.IndexOf("set -euo", StringComparison.Ordinal)..]);
    }
}
