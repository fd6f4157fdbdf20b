using Aibench.Contracts.Client;
using Aibench.Contracts.Experiments;
using Aibench.Contracts.Monitor;
using Aibench.Contracts.Server;

namespace Aibench.Experiments.Jobs;

/// <summary>
/// What <see cref="ExperimentSteps.Next"/> decided must be sent to other modules now. The changes to the experiment
/// itself (stage, reason, ids, result) are already made when it is returned; these are the messages only.
/// </summary>
internal abstract record ExperimentStep
{
    /// <summary>Nothing to send: the stage waits, or its changes are all in the experiment already.</summary>
    public static readonly ExperimentStep Hold = new HoldStep();

    private sealed record HoldStep : ExperimentStep;
}

/// <summary>
/// Start a load run (the warm-up or the measured load) with a caller-chosen id. The id is stored before it is sent, so
/// a step cut between the two is repeated harmlessly (the Client module answers a known id with what it made).
/// </summary>
/// <param name="RunId">The run's id, already on the experiment.</param>
/// <param name="Spec">What to run, with the service and the experiment filled in.</param>
/// <param name="ReasonWhenStarted">The experiment's reason once the Client module took the run, if it changes then.</param>
internal sealed record StartRun(Guid RunId, BenchmarkSpec Spec, string? ReasonWhenStarted) : ExperimentStep;

/// <summary>
/// The service restarted during <paramref name="Stage"/>: the run that measured it part way is cancelled (it may be
/// gone or ended already). The experiment is back to waiting already.
/// </summary>
/// <param name="RunId">The run of the interrupted stage, if one was started.</param>
/// <param name="Stage">The stage that was interrupted.</param>
internal sealed record CancelInterruptedRun(Guid? RunId, ExperimentStage Stage) : ExperimentStep;

/// <summary>Stop the service; once the Server module took the cancel, <see cref="ExperimentSteps.ServiceStopped"/>.</summary>
/// <param name="ServiceId">The service.</param>
internal sealed record StopService(Guid ServiceId) : ExperimentStep;

/// <summary>
/// A cancel or a failure winds down: cancel the runs still going, stop the service when asked to, then read the load
/// run once more and hand it to <see cref="ExperimentSteps.WoundDown"/>.
/// </summary>
/// <param name="RunsToCancel">Runs not yet finished.</param>
/// <param name="ServiceToStop">The service, when it is to be stopped and still runs.</param>
internal sealed record WindDown(IReadOnlyList<Guid> RunsToCancel, Guid? ServiceToStop) : ExperimentStep;

/// <summary>What the workflow learned from other modules for one step; read before deciding, all of it queries.</summary>
/// <param name="Service">The service's state; null when the Server module has no such service (or none was deployed).</param>
/// <param name="Warmup">The warm-up run, when its id is set and the Client module has it.</param>
/// <param name="Load">The measured run, when its id is set and the Client module has it.</param>
/// <param name="Latencies">The service's own latencies over the measured run, when <see cref="ExperimentSteps.WantsLatencies"/> asked for them and
/// Monitor answered.</param>
internal sealed record StepFacts(ServiceStatusInfo? Service, BenchmarkResult? Warmup, BenchmarkResult? Load, ServerLatencies? Latencies = null);
