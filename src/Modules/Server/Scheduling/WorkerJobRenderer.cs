using System.Globalization;
using System.Text;

namespace Aibench.Server.Scheduling;

/// <summary>A load-generator worker job: how many tasks where, and the folder its files go to.</summary>
internal sealed record WorkerJobSpec(Guid BenchmarkId, int Nodes, int TasksPerNode, string? Partition, string? Account, TimeSpan TimeLimit,
    string RunFolder)
{
    public const string ConfigFile = "worker.json";

    public string AibenchBinary { get; init; } = "aibench";

    public int Tasks => Nodes * TasksPerNode;

    public string JobName => $"aibench-loadgen-{BenchmarkId:N}";

    /// <summary>SLURM's minutes form, rounded up so that the margin is never cut.</summary>
    public string TimeLimitText => ((int)Math.Ceiling(TimeLimit.TotalMinutes)).ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// The scripts of a worker job. The same rule as for services (ADR 0005): the only values from outside are directive
/// values checked against narrow patterns, and paths exported as single-quoted literals; everything a worker needs to
/// know about the load is in worker.json, which is data read by aibench, never by the shell.
/// </summary>
internal static class WorkerJobRenderer
{
    public static RenderedJob Render(WorkerJobSpec job)
    {
        foreach (var (name, value) in new[] { ("partition", job.Partition), ("account", job.Account) })
        {
            if (value is not null && !Recipes.RecipeValidator.SlurmNamePattern().IsMatch(value))
            {
                // The handler's validator refuses these first; reaching here is a bug, not input.
                throw new ArgumentException($"{name} '{value}' cannot be rendered into a job script.", nameof(job));
            }
        }

        var batch = new StringBuilder();
        batch.Append("#!/bin/bash -l\n");
        Directive(batch, "job-name", job.JobName);
        Directive(batch, "nodes", Num(job.Nodes));
        Directive(batch, "ntasks", Num(job.Tasks));
        Directive(batch, "ntasks-per-node", Num(job.TasksPerNode));
        Directive(batch, "time", job.TimeLimitText);
        if (job.Partition is not null) Directive(batch, "partition", job.Partition);
        if (job.Account is not null) Directive(batch, "account", job.Account);
        Directive(batch, "output", Path.Combine(job.RunFolder, "slurm-%j.out"));
        Directive(batch, "error", Path.Combine(job.RunFolder, "slurm-%j.err"));
        batch.Append($"# Rendered by aibench: load-generator workers of benchmark {job.BenchmarkId}.\n");
        batch.Append("set -euo pipefail\n");
        batch.Append($"source {JobRenderer.Quote(Path.Combine(job.RunFolder, RenderedJob.EnvFile))}\n");
        // A worker that dies must not take the others with it: the host reports it and merges the rest.
        JobRenderer.Srun(batch, job.RunFolder, job.Tasks, job.TasksPerNode, killOnBadExit: false);

        var env = new StringBuilder();
        env.Append("# Values of this worker job, as data. Sourced by job.sh and task.sh.\n");
        Export(env, "AIBENCH_BENCHMARK_ID", job.BenchmarkId.ToString());
        Export(env, "AIBENCH_RUN_DIR", job.RunFolder);
        Export(env, "AIBENCH_TASKS", Num(job.Tasks));
        Export(env, "AIBENCH_BIN", job.AibenchBinary);

        return new RenderedJob(batch.ToString(), env.ToString(), Task(job));
    }

    private static string Task(WorkerJobSpec job) =>
        "#!/bin/bash\n"
        + "# One load-generator worker. Its exit status and node are written to workers/<task>.exit, so that the host can\n"
        + "# name a worker that died and why, even when the job itself goes on.\n"
        + "set -uo pipefail\n"
        + $"source {JobRenderer.Quote(Path.Combine(job.RunFolder, RenderedJob.EnvFile))}\n"
        + "export AIBENCH_TASK=\"${SLURM_PROCID:-0}\"\n"
        + "export AIBENCH_NODE=\"${SLURMD_NODENAME:-$(hostname -s)}\"\n"
        + "mkdir -p \"$AIBENCH_RUN_DIR/workers\"\n"
        // The node goes first, so that the worker's log lines are stored with it from the first one on.
        + "printf '%s\\n' \"$AIBENCH_NODE\" > \"$AIBENCH_RUN_DIR/workers/$AIBENCH_TASK.node\"\n"
        + "\"$AIBENCH_BIN\" loadgen --worker \"$AIBENCH_RUN_DIR/" + WorkerJobSpec.ConfigFile
            + "\" --worker-index \"$AIBENCH_TASK\" --worker-node \"$AIBENCH_NODE\" &\n"
        + "pid=$!\n"
        + "printf '%d\\n' \"$pid\" > \"$AIBENCH_RUN_DIR/workers/$AIBENCH_TASK.pid\"\n"
        // scancel signals the job step; the worker gets the TERM and hands in what it measured so far.
        + "trap 'kill -TERM \"$pid\" 2>/dev/null' TERM INT\n"
        + "wait \"$pid\"; rc=$?\n"
        + "while kill -0 \"$pid\" 2>/dev/null; do wait \"$pid\"; rc=$?; done\n"
        + "printf '{\"exit\":%d,\"node\":\"%s\",\"task\":%d}\\n' \"$rc\" \"$AIBENCH_NODE\" \"$AIBENCH_TASK\" > "
            + "\"$AIBENCH_RUN_DIR/workers/$AIBENCH_TASK.exit.tmp\"\n"
        + "mv \"$AIBENCH_RUN_DIR/workers/$AIBENCH_TASK.exit.tmp\" \"$AIBENCH_RUN_DIR/workers/$AIBENCH_TASK.exit\"\n"
        + "exit \"$rc\"\n";

    private static void Directive(StringBuilder script, string name, string value) => JobRenderer.Directive(script, name, value);

    private static void Export(StringBuilder script, string name, string value) => JobRenderer.Export(script, name, value);

    private static string Num(int value) => JobRenderer.Num(value);
}
