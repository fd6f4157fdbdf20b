using Mediator;

namespace Aibench.Contracts.Server;

/// <summary>One network endpoint of a service: a replica, or the Ray head.</summary>
/// <param name="Task">Index of the task (replica) that serves it, from 0.</param>
/// <param name="Host">Host name or address to connect to.</param>
/// <param name="Port">TCP port.</param>
/// <param name="Node">The scheduler's name for the node it runs on.</param>
/// <param name="Url">Base URL, e.g. <c>http://mel2074:8000</c>.</param>
public sealed record ServiceEndpointInfo(int Task, string Host, int Port, string Node, string Url);

/// <summary>Published when every endpoint of a service answered its readiness probe.</summary>
/// <param name="ServiceId">The service.</param>
/// <param name="Recipe">Recipe it was deployed from.</param>
/// <param name="Endpoints">Its endpoints, one per replica (or the Ray head).</param>
/// <param name="Nodes">The scheduler's host list, e.g. <c>node[1-4]</c>.</param>
/// <param name="JobId">The scheduler's job id.</param>
/// <param name="RunFolder">Folder with its scripts, endpoint files and logs.</param>
/// <param name="MetricsPath">Path of its Prometheus metrics on each endpoint, when the recipe names one.</param>
public sealed record ServiceReady(
    Guid ServiceId,
    string Recipe,
    IReadOnlyList<ServiceEndpointInfo> Endpoints,
    string? Nodes,
    string? JobId,
    string RunFolder,
    string? MetricsPath) : INotification;

/// <summary>Published when a service reached an end state: completed, failed, cancelled or timed out.</summary>
/// <param name="ServiceId">The service.</param>
/// <param name="Status">The end state.</param>
/// <param name="Reason">Why, when known.</param>
/// <param name="RunFolder">Folder with its scripts, endpoint files and logs.</param>
public sealed record ServiceStopped(Guid ServiceId, ServiceStatus Status, string? Reason, string RunFolder) : INotification;

/// <summary>
/// Published when a service's job failed for a reason worth retrying and its restart policy resubmits it. The
/// service keeps its id; the new attempt gets a new job, and <see cref="ServiceReady"/> follows when it answers.
/// </summary>
/// <param name="ServiceId">The service.</param>
/// <param name="Recipe">Recipe it was deployed from.</param>
/// <param name="Attempt">The attempt that starts now: 2 for the first restart.</param>
/// <param name="MaxRestarts">Restarts its policy allows in all.</param>
/// <param name="Reason">Why the previous attempt ended (e.g. "a node failed (node3)").</param>
/// <param name="PreviousJobId">The scheduler's job id of the attempt that failed.</param>
/// <param name="Backoff">The wait before the new job is submitted.</param>
/// <param name="At">When the failure was seen.</param>
public sealed record ServiceRestarted(
    Guid ServiceId,
    string Recipe,
    int Attempt,
    int MaxRestarts,
    string Reason,
    string? PreviousJobId,
    TimeSpan Backoff,
    DateTimeOffset At) : INotification;

/// <summary>A restart policy: how often a service is resubmitted when its job fails for a reason worth retrying.</summary>
/// <param name="Max">Restarts allowed, 0 to 10. 0 means never.</param>
/// <param name="Backoff">Wait before each resubmission, e.g. <c>30s</c> or <c>2m</c> (up to 1 h).</param>
public sealed record RestartPolicy(int Max, string? Backoff = null);

/// <summary>Asks the Server module for a service's endpoints. Answers <c>null</c> when no such service exists.</summary>
/// <param name="ServiceId">The service.</param>
public sealed record GetServiceEndpoints(Guid ServiceId) : IQuery<ServiceEndpoints?>;

/// <summary>A service's endpoints as far as they are known.</summary>
/// <param name="ServiceId">The service.</param>
/// <param name="Status">Its state; endpoints are only all there once it is <see cref="ServiceStatus.Ready"/>.</param>
/// <param name="Endpoints">Endpoints announced so far.</param>
/// <param name="RunFolder">Folder with its scripts, endpoint files and logs.</param>
/// <param name="MetricsPath">Path of its Prometheus metrics, when the recipe names one.</param>
public sealed record ServiceEndpoints(Guid ServiceId, ServiceStatus Status, IReadOnlyList<ServiceEndpointInfo> Endpoints, string? RunFolder,
    string? MetricsPath);

/// <summary>Asks the Server module for every service that is ready now: what a scraper or a site Prometheus should watch.</summary>
public sealed record ListReadyServices : IQuery<IReadOnlyList<ReadyService>>;

/// <summary>A ready service with everything needed to scrape it.</summary>
/// <param name="ServiceId">The service.</param>
/// <param name="Recipe">Recipe it was deployed from.</param>
/// <param name="JobId">The scheduler's job id.</param>
/// <param name="MetricsPath">Path of its Prometheus metrics on each endpoint (e.g. <c>/metrics</c>), when the recipe names one.</param>
/// <param name="Endpoints">Its endpoints, one per replica (or the Ray head).</param>
/// <param name="Exporters">Monitoring sidecars the job started (node, GPU), each with its full metrics URL.</param>
/// <param name="ExperimentId">The experiment it was deployed for (<see cref="DeployService.ExperimentId"/>), if any.</param>
public sealed record ReadyService(Guid ServiceId, string Recipe, string? JobId, string? MetricsPath,
    IReadOnlyList<ServiceEndpointInfo> Endpoints, IReadOnlyList<ExporterEndpoint> Exporters, Guid? ExperimentId = null);

/// <summary>A monitoring sidecar of a service's job.</summary>
/// <param name="Kind"><c>node</c> (node exporter) or <c>gpu</c> (DCGM exporter or the nvidia-smi sampler).</param>
/// <param name="Task">Index of the task (replica) whose node it watches.</param>
/// <param name="Node">The scheduler's name for that node.</param>
/// <param name="Url">Full URL of its Prometheus metrics, e.g. <c>http://mel2074:9100/metrics</c>.</param>
public sealed record ExporterEndpoint(string Kind, int Task, string Node, string Url);
