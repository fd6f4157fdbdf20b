using Aibench.Server.Scheduling;

namespace Aibench.Tests.Server;

/// <summary>The batch job of distributed load-generator workers: pinned, valid bash, and inert to hostile paths.</summary>
public sealed class WorkerJobRendererTests
{
    private static readonly Guid BenchmarkId = Guid.Parse("0192f3a4-5b6c-7d8e-9f01-23456789abcd");

    private static WorkerJobSpec Spec(string runFolder = $"/project/scratch/p200000/aibench/runs/loadgen-0192f3a4-5b6c-7d8e-9f01-23456789abcd") =>
        new(BenchmarkId, 4, 2, "cpu", "p200000", TimeSpan.FromMinutes(12.5), runFolder) { AibenchBinary = "/project/home/u100000/bin/aibench" };

    [Fact]
    public void Worker_job_renders_to_its_golden_scripts() => Scripts.AssertGolden("loadgen-workers", WorkerJobRenderer.Render(Spec()));

    [Fact]
    public void The_batch_script_asks_for_every_worker_and_lets_the_others_go_on_when_one_dies()
    {
        var batch = WorkerJobRenderer.Render(Spec()).BatchScript;
        foreach (var directive in new[] { "--nodes=4", "--ntasks=8", "--ntasks-per-node=2", "--time=13", "--partition=cpu", "--account=p200000" })
        {
            Assert.Contains($"#SBATCH {directive}\n", batch);
        }

        Assert.Contains("srun --ntasks=8 --ntasks-per-node=2 --kill-on-bad-exit=0 ", batch);
    }

    [Theory]
    [InlineData("gpu;id")]
    [InlineData("$(id)")]
    [InlineData("a b")]
    public void Directive_values_outside_the_slurm_name_pattern_are_never_rendered(string partition) =>
        Assert.Throws<ArgumentException>(() => WorkerJobRenderer.Render(Spec() with { Partition = partition }));

    [Fact]
    public async Task A_hostile_run_folder_reaches_the_worker_as_the_characters_it_is()
    {
        var root = Directory.CreateTempSubdirectory("aibench-workers-").FullName;
        var folder = Directory.CreateDirectory(Path.Combine(root, "runs $(touch pwned) `id` 'q' ;x")).FullName;
        try
        {
            // A stand-in aibench that prints its arguments, one per line.
            var fake = Path.Combine(root, "fake-aibench");
            await File.WriteAllTextAsync(fake, "#!/bin/bash\nprintf '%s\\n' \"$@\"\n", TestContext.Current.CancellationToken);
            File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var rendered = WorkerJobRenderer.Render(Spec(folder) with { AibenchBinary = fake });
            await File.WriteAllTextAsync(Path.Combine(folder, "env.sh"), rendered.EnvScript, TestContext.Current.CancellationToken);
            await File.WriteAllTextAsync(Path.Combine(folder, "task.sh"), rendered.TaskScript, TestContext.Current.CancellationToken);
            foreach (var script in new[] { rendered.BatchScript, rendered.EnvScript, rendered.TaskScript })
            {
                Assert.Equal(0, (await Scripts.BashAsync(["-n"], script, new Dictionary<string, string>())).Code);
            }

            var (code, stdout, stderr) = await Scripts.BashAsync([Path.Combine(folder, "task.sh")], null,
                new Dictionary<string, string> { ["SLURM_PROCID"] = "3", ["SLURMD_NODENAME"] = "node4" });
            Assert.True(code == 0, stderr);
            Assert.Equal(["loadgen", "--worker", Path.Combine(folder, "worker.json"), "--worker-index", "3", "--worker-node", "node4"],
                stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.False(File.Exists(Path.Combine(folder, "pwned")));
            Assert.False(File.Exists("pwned"));
            Assert.Equal("{\"exit\":0,\"node\":\"node4\",\"task\":3}\n",
                await File.ReadAllTextAsync(Path.Combine(folder, "workers", "3.exit"), TestContext.Current.CancellationToken));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
