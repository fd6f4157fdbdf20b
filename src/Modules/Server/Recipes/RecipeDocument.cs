namespace Aibench.Server.Recipes;

// The YAML shape of a recipe, as written. Everything is nullable here: what is missing or wrong is reported by
// RecipeValidator with the field's path, and only a document that passes becomes a Recipe.

internal sealed class RecipeDocument
{
    public string? Name { get; set; }
    public string? Category { get; set; }
    public string? Description { get; set; }
    public string? Image { get; set; }
    public List<string>? Command { get; set; }
    public List<PortDocument>? Ports { get; set; }
    public Dictionary<string, string>? Env { get; set; }
    public List<string>? Modules { get; set; }
    public ResourcesDocument? Resources { get; set; }
    public string? Deployment { get; set; }
    public ReadinessDocument? Readiness { get; set; }
    public MetricsDocument? Metrics { get; set; }
    public List<ParameterDocument>? Parameters { get; set; }
    public RestartDocument? Restart { get; set; }
}

internal sealed class RestartDocument
{
    public int? Max { get; set; }
    public string? Backoff { get; set; }
}

internal sealed class PortDocument
{
    public string? Name { get; set; }
    public int? Port { get; set; }
}

internal sealed class ResourcesDocument
{
    public int? Nodes { get; set; }
    public int? GpusPerNode { get; set; }
    public int? CpusPerTask { get; set; }
    public string? Memory { get; set; }
    public string? TimeLimit { get; set; }
    public string? Partition { get; set; }
    public string? Account { get; set; }
    public string? Qos { get; set; }
    public string? Constraint { get; set; }
}

internal sealed class ReadinessDocument
{
    public string? Path { get; set; }
    public string? Timeout { get; set; }
    public string? Interval { get; set; }
}

internal sealed class MetricsDocument
{
    public string? Path { get; set; }
    public ExportersDocument? Exporters { get; set; }
}

internal sealed class ExportersDocument
{
    public string? Node { get; set; }
    public string? Gpu { get; set; }
}

internal sealed class ParameterDocument
{
    public string? Name { get; set; }
    public string? Type { get; set; }
    public string? Default { get; set; }
    public double? Min { get; set; }
    public double? Max { get; set; }
    public List<string>? Values { get; set; }
    public string? Description { get; set; }
    public bool? Required { get; set; }
    public bool? Secret { get; set; }
}
