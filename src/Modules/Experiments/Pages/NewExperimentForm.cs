using System.Globalization;
using System.Text;
using System.Text.Json;
using Aibench.Contracts.Client;
using Aibench.Contracts.Experiments;
using Aibench.Contracts.Server;
using Aibench.Experiments.Features;
using Aibench.Experiments.Planning;

namespace Aibench.Experiments.Pages;

/// <summary>
/// The state of the new-experiment form and its rules: which fields a test type shows, which errors land next to a
/// field, and the <see cref="CreateExperiment"/> that Start (and the preview) sends. No Blazor here, so it is tested fast.
/// </summary>
// Public only because the form is a parameter of its (public, generated) panel components.
public sealed class NewExperimentForm
{
    public static readonly (string Type, string Help)[] TestTypeHelps =
    [
        ("throughput", "most tokens/s: a closed loop, 64 requests in flight per replica"),
        ("latency", "latency of an unloaded service: 1 request/s"),
        ("stress", "the rate at which it breaks: a ramp from 1 to 20 req/s per replica against TTFT 2s"),
        ("soak", "drift and errors over a long time: a steady 2 req/s per replica"),
        ("sweep", "a curve: one step per concurrency, 1, 4, 16, 64 per replica"),
    ];

    public static readonly (string Field, string Help)[] SloFields =
    [
        ("ttft", "Time to first token, e.g. 500ms"), ("tpot", "Time per output token, e.g. 50ms"), ("itl", "Inter-token latency, e.g. 40ms"),
            ("e2e", "End to end, e.g. 10s"),
        ("target", "Share that must meet them (0.9)"), ("maxErrorRate", "Most errors allowed (0.05)"),
    ];

    public static readonly (string Field, string Label, string Help)[] PlacementFields =
    [
        ("nodes", "worker nodes", "Nodes of the worker job (1)"), ("tasksPerNode", "workers per node", "Workers on each node (1)"),
        ("partition", "partition", "SLURM partition; the site's default when empty"),
    ];

    private static readonly string[] CommonLoadFields = ["dataset", "timeout"];

    public NewExperimentForm(RecipeOptions options)
    {
        Options = options;
        if ((options.Recipes.FirstOrDefault(r => r.Name == "vllm-sim") ?? options.Recipes.FirstOrDefault()) is { } initial)
        {
            SelectRecipe(initial);
        }
    }

    public RecipeOptions Options { get; }

    public string? RecipeName { get; private set; }

    /// <summary>
    /// The node field as typed: kept as text so that 0, −3, 1.5, 999 or nothing are refused at the field (a numeric
    /// input would clamp or drop them silently, and the summary would show a count the user never typed).
    /// </summary>
    public string? Nodes { get; set; }

    public string TestType { get; set; } = "throughput";

    public string? Duration { get; set; } = "1m";

    public string? Warmup { get; set; }

    public bool KeepService { get; set; }

    /// <summary>The grid builder: once something varies, Start makes a campaign of this experiment.</summary>
    public CampaignGridForm Grid { get; } = new();

    /// <summary>Whether the advanced fields are unfolded; an error in one of them unfolds them.</summary>
    public bool Advanced { get; set; }

    public Dictionary<string, string?> Parameters { get; private set; } = [];

    public Dictionary<string, string?> LoadValues { get; } = [];

    public Dictionary<string, string?> SloValues { get; } = [];

    public IReadOnlyDictionary<string, string> Errors { get; private set; } = new Dictionary<string, string>();

    /// <summary>The messages that name no field on the form.</summary>
    public string? General { get; set; }

    public RecipeOption? Recipe => Options.Recipes.FirstOrDefault(r => r.Name == RecipeName);

    public int MaxNodes => Options.MaxNodes;

    public string NodesHelp => Recipe?.Deployment == "single"
        ? "This recipe runs on one node"
        : $"One replica per node; 1 to {MaxNodes} (Server:MaxNodes)";

    public string PlacementKind => Load("placement") ?? "in-process";

    public IEnumerable<string> LoadFields => TestTypes.All.Contains(TestType) ? TestTypes.ShapeFields(TestType).Concat(CommonLoadFields)
        : CommonLoadFields;

    /// <summary>Picks a recipe by name (an unknown one changes nothing); its nodes and parameter defaults replace the old ones.</summary>
    public void SelectRecipe(string? name)
    {
        if (Options.Recipes.FirstOrDefault(r => r.Name == name) is { } recipe)
        {
            SelectRecipe(recipe);
        }
    }

    private void SelectRecipe(RecipeOption recipe)
    {
        RecipeName = recipe.Name;
        Nodes = recipe.Nodes.ToString(CultureInfo.InvariantCulture);
        Parameters = recipe.Parameters.ToDictionary(p => p.Name, p => p.Default);
    }

    public bool Has(string field) => Errors.ContainsKey(field);

    public string? Err(string field) => Errors.GetValueOrDefault(field);

    public string? Param(string name) => Parameters.GetValueOrDefault(name);

    public string? Load(string name) => LoadValues.GetValueOrDefault(name);

    public string? Slo(string name) => SloValues.GetValueOrDefault(name);

    public void ClearErrors()
    {
        Errors = new Dictionary<string, string>();
        General = null;
    }

    /// <summary>Each message next to the field it names; one naming no field on the form goes in the alert. A folded field unfolds.</summary>
    public void Show(IReadOnlyList<(string Field, string Message)> failures)
    {
        var errors = new Dictionary<string, string>();
        var general = new List<string>();
        foreach (var (named, message) in failures)
        {
            // A campaign's errors name its base experiment's fields as base.<field>.
            var field = Grid.Active ? CampaignGridForm.FormField(named) : named;
            if (IsShown(field) || Grid.IsShown(field))
            {
                errors[field] = errors.TryGetValue(field, out var before) ? $"{before} {message}" : message;
                Advanced |= field.StartsWith("parameters.", StringComparison.Ordinal) || field.StartsWith("load.", StringComparison.Ordinal)
                    || field.StartsWith("slo.", StringComparison.Ordinal) || field == "warmup";
            }
            else
            {
                general.Add(message);
            }
        }

        Errors = errors;
        General = general.Count == 0 ? null : string.Join(" ", general);
    }

    /// <summary>Whether the form has a field for <paramref name="field"/> (an API property path) just now.</summary>
    public bool IsShown(string field) => field switch
    {
        "recipe" or "nodes" or "testType" or "duration" or "warmup" => true,
        _ when field.StartsWith("parameters.", StringComparison.Ordinal) => Recipe?.Parameters.Any(p => "parameters." + p.Name == field) == true,
        "load.placement.kind" => true,
        _ when field.StartsWith("load.placement.", StringComparison.Ordinal) =>
            PlacementKind == "slurm" && PlacementFields.Any(p => "load.placement." + p.Field == field),
        _ when field.StartsWith("load.", StringComparison.Ordinal) => LoadFields.Contains(field["load.".Length..]),
        _ when field.StartsWith("slo.", StringComparison.Ordinal) => SloFields.Any(s => "slo." + s.Field == field),
        _ => false,
    };

    /// <summary>The campaign Start sends while the grid builder varies something (<see cref="CampaignGridForm.Active"/>).</summary>
    public CreateCampaign BuildCampaign(out List<(string Field, string Message)> errors)
    {
        var experiment = Build(out errors);
        return Grid.Build(experiment, errors);
    }

    /// <summary>The command as Start would send it; numbers that do not parse are reported here, with the field's name.</summary>
    public CreateExperiment Build(out List<(string Field, string Message)> errors)
    {
        var problems = new List<(string, string)>();
        double? Number(string field, string? text)
        {
            if (string.IsNullOrWhiteSpace(text)) return null;
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)) return v;
            problems.Add((field, $"'{field}' must be a number, not '{text}'."));
            return null;
        }

        int? Whole(string field, string? text)
        {
            var v = Number(field, text);
            if (v is null || v == Math.Floor(v.Value)) return v is null ? null : (int)v.Value;
            problems.Add((field, $"'{field}' must be a whole number, not '{text}'."));
            return null;
        }

        List<double>? Numbers(string field, string? text)
        {
            if (string.IsNullOrWhiteSpace(text)) return null;
            var values = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(t
                => Number(field, t)).ToList();
            return values.All(v => v is not null) ? [.. values.Select(v => v!.Value)] : null;
        }

        static string? Text(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

        var concurrencies = Numbers("load.concurrencies", Load("concurrencies"));
        if (concurrencies?.Any(c => c != Math.Floor(c)) == true)
        {
            problems.Add(("load.concurrencies", "'load.concurrencies' must be whole numbers, e.g. 1, 4, 16."));
        }

        // Only the options this test type reads are sent: a value left over from another type would be refused.
        var used = LoadFields.ToHashSet();
        string? Used(string field) => used.Contains(field) ? Load(field) : null;
        var load = new ExperimentLoad(
            Concurrency: Whole("load.concurrency", Used("concurrency")),
            Rate: Number("load.rate", Used("rate")),
            From: Number("load.from", Used("from")),
            To: Number("load.to", Used("to")),
            Rates: Numbers("load.rates", Used("rates")),
            Concurrencies: used.Contains("concurrencies") ? concurrencies?.Select(c => (int)c).ToList() : null,
            Arrival: Text(Used("arrival")),
            Burstiness: Number("load.burstiness", Used("burstiness")),
            MaxInFlight: Whole("load.maxInFlight", Used("maxInFlight")),
            Dataset: Text(Load("dataset")),
            Timeout: Text(Load("timeout")),
            Placement: PlacementKind == "slurm"
                ? new PlacementSpec("slurm", Whole("load.placement.nodes", Load("placement.nodes")) ?? 1,
                    Whole("load.placement.tasksPerNode", Load("placement.tasksPerNode")) ?? 1, Text(Load("placement.partition")))
                : null);
        var slo = new ExperimentSlo(Text(Slo("ttft")), Text(Slo("tpot")), Text(Slo("e2e")), Number("slo.target", Slo("target")),
            Number("slo.maxErrorRate", Slo("maxErrorRate")), Text(Slo("itl")));
        var parameters = Parameters.Where(p => !string.IsNullOrEmpty(p.Value))
            .ToDictionary(p => p.Key, p => JsonSerializer.SerializeToElement(p.Value));
        var nodes = Recipe?.Deployment == "single" ? null : NodeCount(problems);
        errors = problems;
        return new CreateExperiment(
            RecipeName,
            nodes,
            TestType,
            Text(Duration),
            parameters,
            load == new ExperimentLoad() ? null : load,
            slo == new ExperimentSlo() ? null : slo,
            Text(Warmup),
            KeepService: KeepService);
    }

    /// <summary>The node count, or a message at the field: a whole number from 1 to <see cref="MaxNodes"/>, never adjusted.</summary>
    private int? NodeCount(List<(string Field, string Message)> problems)
    {
        var text = Nodes?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            problems.Add(("nodes", $"Enter the number of nodes, 1 to {MaxNodes}."));
            return null;
        }

        // A minus sign as typed on a phone or pasted from a document (U+2212) is still a minus.
        if (!int.TryParse(text.Replace('\u2212', '-'), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
        {
            problems.Add(("nodes", $"'{text}' is not a whole number of nodes (1 to {MaxNodes})."));
            return null;
        }

        if (n < 1 || n > MaxNodes)
        {
            problems.Add(("nodes", n < 1 ? $"At least 1 node, not {n}." : $"At most {MaxNodes} nodes (Server:MaxNodes), not {n}."));
            return null;
        }

        return n;
    }

    /// <summary>
    /// A field's label for people from its API key: <c>served_model_name</c> → "Served model name", <c>maxErrorRate</c> →
    /// "Max error rate", <c>ttft</c> → "TTFT". The key itself stays in the helper line (<see cref="WithKey"/>), since
    /// the API's and the recipe's messages name fields by it.
    /// </summary>
    public static string Friendly(string key)
    {
        if (Acronyms.Contains(key)) return key.ToUpperInvariant();
        var words = new StringBuilder();
        foreach (var c in key)
        {
            if (c is '_' or '-' or '.') { words.Append(' '); continue; }
            if (char.IsUpper(c) && words.Length > 0 && words[^1] != ' ') words.Append(' ');
            words.Append(char.ToLowerInvariant(c));
        }

        var text = string.Join(' ', words.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(w => Acronyms.Contains(w) ? w.ToUpperInvariant() : w));
        return text.Length == 0 ? key : char.ToUpperInvariant(text[0]) + text[1..];
    }

    /// <summary>A helper line followed by the field's API key, e.g. "Most errors allowed (0.05) · slo.maxErrorRate".</summary>
    public static string WithKey(string? help, string key) => string.IsNullOrEmpty(help) ? key : $"{help} · {key}";

    private static readonly HashSet<string> Acronyms = new(StringComparer.Ordinal) { "ttft", "tpot", "itl", "e2e", "gpu", "kv", "url", "id", "api" };

    public static string TestTypeHelp(string? type) => TestTypeHelps.FirstOrDefault(t => t.Type == type).Help ?? "";

    public static string ParamHelp(RecipeParameterOption p) =>
        string.Join(" · ", new[] { p.Description, p.Min is null && p.Max is null ? null
            : $"{p.Min?.ToString(CultureInfo.InvariantCulture) ?? "…"} to {p.Max?.ToString(CultureInfo.InvariantCulture) ?? "…"}", p.Type, p.Secret
                ? "secret: sent to the service, never stored" : null }
            .Where(s => !string.IsNullOrEmpty(s)));

    public static string LoadHelp(string field) => field switch
    {
        "concurrency" => "Requests in flight",
        "rate" => "Requests per second",
        "from" => "Ramp start, req/s",
        "to" => "Ramp end, req/s",
        "rates" => "One step per rate, e.g. 1, 5, 10",
        "concurrencies" => "One step per level, e.g. 1, 4, 16",
        "burstiness" => "Shape of gamma arrivals",
        "maxInFlight" => "Cap on requests in flight",
        "dataset" => "Prompts, e.g. random:input=512,output=128",
        "timeout" => "Slower requests count as errors, e.g. 5m",
        _ => "",
    };
}
