using System.Text.Json;
using Mediator;

namespace Aibench.Contracts.Server;

/// <summary>
/// Deploys a recipe: the scripts are written at once and the submission to the scheduler runs in the background.
/// Fails with a validation error naming the field (<c>recipe</c>, <c>nodes</c>, <c>parameters.&lt;name&gt;</c>,
/// <c>timeLimitMinutes</c>); an unknown recipe is a validation error on <c>recipe</c>.
/// </summary>
/// <param name="Recipe">Recipe name.</param>
/// <param name="Nodes">Node count; the recipe's when omitted (replicas and Ray only).</param>
/// <param name="Parameters">Values for the recipe's parameters: strings, numbers or booleans.</param>
/// <param name="Id">
/// The id the new service gets, chosen by the caller so that a retried request is harmless: when a service with
/// this id exists already, it is answered as it is and nothing new is deployed. A new id when omitted.
/// </param>
/// <param name="TimeLimitMinutes">The job's time limit in minutes, instead of the recipe's.</param>
/// <param name="Restart">The restart policy, instead of the recipe's (none when neither gives one).</param>
/// <param name="ExperimentId">
/// The experiment the service is deployed for, if any. The Server module keeps it and hands it on with the service
/// (<see cref="ListReadyServices"/>, <see cref="ListLogSources"/>), so that metrics and logs are labelled with it
/// without asking the Experiments module.
/// </param>
/// <param name="Array">
/// The SLURM job array the service is a task of, if any (a campaign's elements of one shape). The services of one
/// array are submitted together as one <c>sbatch --array</c>; see <see cref="ServiceArray"/>.
/// </param>
public sealed record DeployService(
    string? Recipe,
    int? Nodes = null,
    IReadOnlyDictionary<string, JsonElement>? Parameters = null,
    Guid? Id = null,
    int? TimeLimitMinutes = null,
    RestartPolicy? Restart = null,
    Guid? ExperimentId = null,
    ServiceArray? Array = null) : ICommand<DeployedService>;

/// <summary>
/// A service deployed as task <see cref="Index"/> of a SLURM job array of <see cref="Size"/> services that ask for the
/// same resources. They are submitted together, once every one is deployed (or a minute after the first was, with those
/// there are), as one <c>sbatch --array=&lt;indices&gt;%&lt;throttle&gt;</c>: the scheduler, not aibench, keeps at most
/// <see cref="Throttle"/> of them running. Each service's job id is then <c>&lt;array job&gt;_&lt;index&gt;</c>. A service whose
/// resources differ from the others', a late one, and every restart are submitted as jobs of their own; a scheduler
/// without arrays (local processes) submits each alone, still at most <see cref="Throttle"/> at once.
/// </summary>
/// <param name="Id">The array, chosen by the caller; the same for all its services.</param>
/// <param name="Index">This service's task index, from 0.</param>
/// <param name="Size">Services in the array.</param>
/// <param name="Throttle">Services of the array running at once at the most (the array's <c>%N</c>).</param>
public sealed record ServiceArray(Guid Id, int Index, int Size, int Throttle);

/// <summary>A service that was accepted for deployment.</summary>
/// <param name="Id">The service's id.</param>
/// <param name="Status">Its state now (<see cref="ServiceStatus.Pending"/> right after deploying).</param>
/// <param name="RunFolder">Folder with its scripts, endpoint files and logs.</param>
public sealed record DeployedService(Guid Id, ServiceStatus Status, string RunFolder);

/// <summary>
/// What <see cref="DeployService"/> would submit, checked the same way, without writing or submitting anything.
/// Fails with the same validation errors as the deployment itself.
/// </summary>
/// <param name="Deployment">The deployment to check.</param>
public sealed record PreviewDeployment(DeployService Deployment) : IQuery<DeploymentPreview>;

/// <summary>The resources and settings a deployment asks the scheduler for.</summary>
/// <param name="Recipe">Recipe name.</param>
/// <param name="Deployment"><c>single</c>, <c>replicas</c> or <c>ray</c>.</param>
/// <param name="Nodes">Nodes asked for.</param>
/// <param name="Tasks">Tasks started (one per node for replicas and Ray).</param>
/// <param name="Replicas">Endpoints that must answer before the service is ready.</param>
/// <param name="GpusPerNode">GPUs asked for on each node.</param>
/// <param name="CpusPerTask">CPUs asked for each task.</param>
/// <param name="Memory">Memory per node, e.g. <c>64G</c>, when the recipe names it.</param>
/// <param name="TimeLimit">The job's time limit as SLURM reads it, or null for the partition's default.</param>
/// <param name="TimeLimitMinutes">The same in minutes, when there is one.</param>
/// <param name="RecipeTimeLimitMinutes">The recipe's own time limit in minutes, when it has one.</param>
/// <param name="Partition">Partition, when set by the recipe or the site.</param>
/// <param name="Account">Account, when set by the recipe or the site.</param>
/// <param name="Qos">Quality of service, when set by the recipe or the site.</param>
/// <param name="ReadinessTimeoutSeconds">How long the endpoints have to answer once the job runs.</param>
/// <param name="Parameters">Every parameter value the job gets (defaults filled in), secret ones as <c>***</c>.</param>
/// <param name="RestartMax">Restarts its policy allows (0: none).</param>
/// <param name="RestartBackoffSeconds">Wait before each restart.</param>
public sealed record DeploymentPreview(
    string Recipe,
    string Deployment,
    int Nodes,
    int Tasks,
    int Replicas,
    int GpusPerNode,
    int CpusPerTask,
    string? Memory,
    string? TimeLimit,
    int? TimeLimitMinutes,
    int? RecipeTimeLimitMinutes,
    string? Partition,
    string? Account,
    string? Qos,
    int ReadinessTimeoutSeconds,
    IReadOnlyDictionary<string, string> Parameters,
    int RestartMax = 0,
    int RestartBackoffSeconds = 0);

/// <summary>Stops a service (scancel for SLURM). Idempotent: cancelling a service that already ended changes nothing.</summary>
/// <param name="Id">The service.</param>
/// <param name="Reason">Why, as the service's pages will say it (default: stopped on request).</param>
public sealed record CancelService(Guid Id, string? Reason = null) : ICommand<ServiceStatusView>;

/// <summary>A service's state, as scripts and other modules see it.</summary>
/// <param name="Id">The service.</param>
/// <param name="Status">Its state; on the wire <c>pending</c>, <c>queued</c>, <c>starting</c>, <c>ready</c>, <c>completed</c>, <c>failed</c>,
/// <c>cancelled</c>, <c>timed_out</c>, <c>unknown</c> or <c>restarting</c>.</param>
/// <param name="Reason">Why it is in that state, when known.</param>
/// <param name="UpdatedAt">When the state last changed.</param>
public sealed record ServiceStatusView(Guid Id, ServiceStatus Status, string? Reason, DateTimeOffset UpdatedAt);
