using System.Text;

namespace Aibench.Server.Scheduling;

/// <summary>One service of a job array: its task index and its run folder (whose job.sh it runs).</summary>
internal sealed record ArrayMember(int Index, string RunFolder);

/// <summary>
/// The batch script of a job array (<c>array.sh</c> in the array's folder). It asks for the resources the members'
/// own job.sh asks for (they share them: that is what makes them one array) and only dispatches: task <c>i</c> runs
/// member <c>i</c>'s job.sh in that member's run folder. Its output goes through the array folder's link <c>i</c> to the
/// member's <c>slurm-&lt;array&gt;_&lt;i&gt;.out/.err</c> (<see cref="Lifecycle.ArrayFolder.Link"/>), so each service's
/// files, SLURM's own messages among them, are where they are for a job of its own.
/// </summary>
internal static class ArrayRenderer
{
    public const string BatchFile = "array.sh";

    /// <summary>The job name of an array: unique per array, found again by name after a lost submission.</summary>
    public static string JobName(string recipe, Guid arrayId) => $"aibench-{recipe}-array-{arrayId:N}";

    /// <summary>The resources a job.sh asks for: its <c>#SBATCH</c> lines but its name and output files.</summary>
    public static string Shape(string batchScript) =>
        string.Join('\n', batchScript.Split('\n').Where(l => l.StartsWith("#SBATCH --", StringComparison.Ordinal)
            && !l.StartsWith("#SBATCH --job-name=", StringComparison.Ordinal)
            && !l.StartsWith("#SBATCH --output=", StringComparison.Ordinal)
            && !l.StartsWith("#SBATCH --error=", StringComparison.Ordinal)));

    /// <summary>SLURM's index list with its throttle, e.g. <c>0-3%2</c> or <c>0,2,3%2</c>.</summary>
    public static string Indices(IReadOnlyList<int> indices, int throttle)
    {
        var sorted = indices.Distinct().Order().ToList();
        var contiguous = sorted.Count > 1 && sorted[^1] - sorted[0] == sorted.Count - 1;
        var list = contiguous ? $"{sorted[0]}-{sorted[^1]}" : string.Join(',', sorted.Select(JobRenderer.Num));
        return throttle < sorted.Count ? $"{list}%{JobRenderer.Num(throttle)}" : list;
    }

    public static string Render(string jobName, string arrayFolder, string memberBatchScript, IReadOnlyList<ArrayMember> members, int throttle)
    {
        var script = new StringBuilder();
        script.Append("#!/bin/bash\n");
        JobRenderer.Directive(script, "job-name", jobName);
        script.Append(Shape(memberBatchScript)).Append('\n');
        JobRenderer.Directive(script, "array", Indices([.. members.Select(m => m.Index)], throttle));
        JobRenderer.Directive(script, "output", Path.Combine(arrayFolder, "%a", "slurm-%A_%a.out"));
        JobRenderer.Directive(script, "error", Path.Combine(arrayFolder, "%a", "slurm-%A_%a.err"));
        script.Append("# Rendered by aibench: each task of this array runs one service's own job.sh.\n");
        script.Append("set -euo pipefail\n");
        script.Append("case \"${SLURM_ARRAY_TASK_ID:-}\" in\n");
        foreach (var member in members.OrderBy(m => m.Index))
        {
            script.Append($"  {JobRenderer.Num(member.Index)}) run={JobRenderer.Quote(member.RunFolder)} ;;\n");
        }

        script.Append("  *) echo \"aibench: no service for array task ${SLURM_ARRAY_TASK_ID:-?}\" >&2; exit 1 ;;\n");
        script.Append("esac\n");
        script.Append("cd \"$run\"\n");
        // Run by the shell job.sh names, not executed: a run folder on a noexec mount works as it does for a job of its own
        // (sbatch copies a job's script to its spool).
        script.Append("exec /bin/bash -l \"$run/").Append(RenderedJob.BatchFile).Append("\"\n");
        return script.ToString();
    }
}
