namespace Aibench.Server.Recipes;

internal enum DeploymentMode
{
    /// <summary>One instance on one or more nodes, started once.</summary>
    Single,

    /// <summary>One independent instance per node, each with its own endpoint.</summary>
    Replicas,

    /// <summary>One instance spanning every node: a Ray head on the first node, workers on the others.</summary>
    Ray,
}

/// <summary>Whether a task starts a monitoring sidecar (metrics.exporters).</summary>
internal enum ExporterMode
{
    /// <summary>Start it when the node has it.</summary>
    Auto,

    /// <summary>Start it, and fail the task when the node does not have it.</summary>
    On,

    /// <summary>Never start it.</summary>
    Off,
}

internal enum ParameterType
{
    String,
    Int,
    Float,
    Bool,
    Enum,
}

/// <summary>A recipe that passed validation: everything the renderer and the UI need, with defaults filled in.</summary>
internal sealed record Recipe(
    string Name,
    string Category,
    string Description,
    string? Image,
    IReadOnlyList<string> Command,
    IReadOnlyList<RecipePort> Ports,
    IReadOnlyDictionary<string, string> Env,
    IReadOnlyList<string> Modules,
    RecipeResources Resources,
    DeploymentMode Deployment,
    RecipeReadiness Readiness,
    string? MetricsPath,
    RecipeExporters Exporters,
    IReadOnlyList<RecipeParameter> Parameters,
    string Yaml,
    string Source)
{
    /// <summary>The recipe's restart policy (<c>restart: {max, backoff}</c>); none unless it says so.</summary>
    public Lifecycle.RecipeRestart Restart { get; init; } = Lifecycle.RecipeRestart.None;
}

internal sealed record RecipePort(string Name, int Port);

internal sealed record RecipeResources(
    int Nodes,
    int GpusPerNode,
    int CpusPerTask,
    string? Memory,
    string? TimeLimit,
    string? Partition,
    string? Account,
    string? Qos,
    string? Constraint);

internal sealed record RecipeExporters(ExporterMode Node, ExporterMode Gpu)
{
    public static readonly RecipeExporters Default = new(ExporterMode.Auto, ExporterMode.Auto);
}

internal sealed record RecipeReadiness(string Path, TimeSpan Timeout, TimeSpan Interval);

internal sealed record RecipeParameter(
    string Name,
    ParameterType Type,
    string? Default,
    double? Min,
    double? Max,
    IReadOnlyList<string> Values,
    string Description,
    bool Required,
    bool Secret);
