using Mediator;

namespace Aibench.Contracts.Server;

/// <summary>
/// Asks the Server module to start the load-generator workers of a distributed benchmark as one batch job: every task
/// runs <c>aibench loadgen --worker</c> with the given configuration file. The script is rendered by the Server module
/// with the same rules as service scripts: nothing in it comes from the caller except validated directive values.
/// Fails with a validation error naming the field, or a conflict when the scheduler refuses the job.
/// </summary>
/// <param name="BenchmarkId">The run the workers belong to; names the job and its run folder.</param>
/// <param name="Nodes">Nodes to spread the workers over.</param>
/// <param name="TasksPerNode">Workers per node.</param>
/// <param name="Partition">SLURM partition, or the site's default.</param>
/// <param name="Account">SLURM account, or the site's default.</param>
/// <param name="TimeLimit">Wall-clock limit of the job.</param>
/// <param name="WorkerConfig">
/// The workers' configuration (JSON), written as <c>worker.json</c> (owner-only) and passed by path. A top-level
/// <c>token</c> string in it is a secret: masked wherever the workers' logs are stored, streamed or forwarded.
/// </param>
/// <param name="ExperimentId">The experiment of the benchmark, if any; kept with the job and reported with its logs.</param>
public sealed record SubmitWorkerJob(
    Guid BenchmarkId,
    int Nodes,
    int TasksPerNode,
    string? Partition,
    string? Account,
    TimeSpan TimeLimit,
    string WorkerConfig,
    Guid? ExperimentId = null) : ICommand<WorkerJob>;

/// <summary>A submitted worker job.</summary>
/// <param name="JobId">The scheduler's job id.</param>
/// <param name="RunFolder">Its run folder: scripts, <c>task-&lt;n&gt;.out/.err</c>, and the workers' files under <c>workers/</c>.</param>
/// <param name="Scheduler">The backend that runs it: <c>slurm</c>, <c>slurm-rest</c> or <c>local</c>.</param>
public sealed record WorkerJob(string JobId, string RunFolder, string Scheduler);

/// <summary>Asks the Server module where a worker job stands.</summary>
/// <param name="JobId">The job.</param>
public sealed record GetWorkerJobState(string JobId) : IQuery<WorkerJobState>;

/// <summary>Where a worker job stands.</summary>
/// <param name="State">The scheduler's state name (PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, UNKNOWN…).</param>
/// <param name="Ended">Whether the job will run no more.</param>
/// <param name="Reason">The scheduler's reason or failure cause.</param>
/// <param name="Nodes">The nodes it runs on, as a host list.</param>
public sealed record WorkerJobState(string State, bool Ended, string? Reason, string? Nodes);

/// <summary>Cancels a worker job (idempotent); answers its state afterwards.</summary>
/// <param name="JobId">The job.</param>
public sealed record CancelWorkerJob(string JobId) : ICommand<WorkerJobState>;

/// <summary>
/// Cancels the worker job of a benchmark, found by the benchmark's id (idempotent). For a run that nobody follows any
/// more, such as one cut short by a host restart: the Client module never stored its job id, the Server module did. A
/// job already seen ended is not asked about again. Answers null when the benchmark had no worker job; fails with a
/// conflict when the scheduler does not answer (nothing changed: ask again later).
/// </summary>
/// <param name="BenchmarkId">The run whose workers are to stop.</param>
public sealed record CancelBenchmarkWorkerJob(Guid BenchmarkId) : ICommand<CancelledWorkerJob?>;

/// <summary>The worker job of a benchmark after a cancel.</summary>
/// <param name="JobId">The scheduler's job id.</param>
/// <param name="State">Where it stands now; a job cancelled a moment ago may still be completing.</param>
public sealed record CancelledWorkerJob(string JobId, WorkerJobState State);
