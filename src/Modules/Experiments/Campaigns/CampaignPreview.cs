namespace Aibench.Experiments.Campaigns;

/// <summary>What a campaign will submit, before anything starts: its grid, the node-hours it asks for, and its submissions.</summary>
/// <param name="Name">The campaign's name.</param>
/// <param name="Cells">Grid cells.</param>
/// <param name="Repeats">Experiments per cell.</param>
/// <param name="Elements">Experiments in all: cells × repeats.</param>
/// <param name="NodeHours">Σ over the elements of nodes × the job's time limit: what the campaign may ask the scheduler for.</param>
/// <param name="Throttle">Elements running at once at the most (an array's <c>%N</c>).</param>
/// <param name="Submissions">The job arrays (elements of one shape) and single jobs it submits.</param>
/// <param name="Grid">Every cell with what its experiment would ask for.</param>
public sealed record CampaignPreview(
    string Name,
    int Cells,
    int Repeats,
    int Elements,
    double NodeHours,
    int Throttle,
    IReadOnlyList<CampaignSubmission> Submissions,
    IReadOnlyList<CampaignCellPreview> Grid);

/// <summary>One cell of a previewed campaign.</summary>
/// <param name="Index">Its place in the grid.</param>
/// <param name="Label">The cell in words.</param>
/// <param name="Nodes">Nodes each of its experiments asks for.</param>
/// <param name="Parameters">Its parameter values (secret ones masked).</param>
/// <param name="TimeLimitMinutes">Each experiment's job time limit.</param>
/// <param name="NodeHours">Nodes × time limit × repeats.</param>
/// <param name="Shape">Which submission it belongs to (index into the submissions).</param>
/// <param name="Gpus">GPUs each of its experiments holds (nodes × GPUs per node; the nodes for a recipe without GPUs).</param>
public sealed record CampaignCellPreview(
    int Index,
    string Label,
    int Nodes,
    IReadOnlyDictionary<string, string> Parameters,
    int? TimeLimitMinutes,
    double NodeHours,
    int Shape,
    int Gpus)
{
    /// <summary>How long its experiment's service may take to be ready, its own queue time included (before the array's wait).</summary>
    public int ReadyTimeoutSeconds { get; init; }
}

/// <summary>
/// Elements that ask for the same resources (nodes, tasks, GPUs, CPUs, memory, time limit, partition, account, QoS)
/// share one SLURM job array, throttled with <c>%N</c>; an element of a shape of its own is a single job.
/// </summary>
/// <param name="Kind"><c>array</c> or <c>job</c>.</param>
/// <param name="Nodes">Nodes each element asks for.</param>
/// <param name="TimeLimitMinutes">Each element's time limit.</param>
/// <param name="Elements">Elements in it.</param>
/// <param name="Cells">The grid cells whose elements it holds.</param>
/// <param name="Description">The submission in words, e.g. <c>one job array of 4 elements … (sbatch --array=0-3%2)</c>.</param>
public sealed record CampaignSubmission(string Kind, int Nodes, int? TimeLimitMinutes, int Elements, IReadOnlyList<int> Cells, string Description);
