namespace Aibench.Experiments.Jobs;

/// <summary>The stages of an experiment and its overall statuses, by wire name.</summary>
internal static class ExperimentStages
{
    public const string Pending = "pending";
    public const string Deploying = "deploying";
    public const string Waiting = "waiting";
    public const string Warmup = "warmup";
    public const string Loading = "loading";
    public const string Collecting = "collecting";
    public const string Stopping = "stopping";
    public const string Summarising = "summarising";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static readonly string[] All =
        [Pending, Deploying, Waiting, Warmup, Loading, Collecting, Stopping, Summarising, Completed, Failed, Cancelled];

    /// <summary>Status of an experiment still going; the end stages double as end statuses.</summary>
    public const string Running = "running";

    public static readonly string[] Statuses = [Running, Completed, Failed, Cancelled];
}
