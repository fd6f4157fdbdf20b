namespace Aibench.Client.LoadGen;

/// <summary>A live view of a run, produced about once a second.</summary>
internal sealed record RunProgress(
    TimeSpan Elapsed,
    int Step,
    int Steps,
    string StepLabel,
    long Sent,
    long Completed,
    long Errors,
    long InFlight,
    double RequestsPerSecond,
    double OutputTokensPerSecond,
    double? TtftMeanMs,
    double? TargetRate);
