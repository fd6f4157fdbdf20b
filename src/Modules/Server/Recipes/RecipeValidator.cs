using System.Text.RegularExpressions;
using Aibench.Shared.Text;
using FluentValidation;

namespace Aibench.Server.Recipes;

/// <summary>
/// What a recipe may say. Every text that reaches a batch script either matches a narrow pattern here or is
/// rendered as quoted data (command words, env values); control characters are refused everywhere.
/// </summary>
internal sealed partial class RecipeValidator : AbstractValidator<RecipeDocument>
{
    public static readonly string[] Categories = ["inference", "vector-db", "database", "storage"];
    public static readonly string[] Deployments = ["single", "replicas", "ray"];
    public static readonly string[] ExporterModes = ["auto", "on", "off"];
    public static readonly string[] ParameterTypes = ["string", "int", "float", "bool", "enum"];

    /// <summary>Placeholders every recipe may use besides its own parameters; set per task by the job script.</summary>
    public static readonly string[] Builtins = ["port", "task", "nodes", "node", "run_dir", "service_id", "gpus_per_node", "head_address", "account",
        "user", "aibench"];

    public RecipeValidator()
    {
        RuleFor(r => r.Name).NotEmpty().Matches(NamePattern())
            .WithMessage("'name' must be lower-case letters, digits and '-', starting with a letter or digit, at most 63 characters.");
        RuleFor(r => r.Category).NotEmpty().Must(c => Categories.Contains(c))
            .WithMessage($"'category' must be one of: {string.Join(", ", Categories)}.");
        // Shown to people, never put into a script: line breaks are fine.
        RuleFor(r => r.Description).MaximumLength(2000).Must(d => d!.All(c => !char.IsControl(c) || c is '\n' or '\r' or '\t')).When(r
            => r.Description is not null)
            .WithMessage("'description' must not contain control characters other than line breaks.");
        RuleFor(r => r.Image).Matches(ImagePattern()).When(r => r.Image is not null)
            .WithMessage("'image' must be an absolute path to an Apptainer image or a docker://, oras:// or library:// URI without spaces or "
                + "shell characters.");

        RuleFor(r => r.Command).NotEmpty().WithMessage("'command' must list the program and its arguments, one per item.");
        RuleForEach(r => r.Command).Must(NoControl).WithMessage("'{PropertyName}' must not contain control characters (newlines, tabs, …).")
            .Must((r, word) => Placeholders(word).All(p => Known(r, p))).WithMessage((r, word) => UnknownPlaceholder(r, word));

        RuleFor(r => r.Ports).NotEmpty().WithMessage("'ports' must name at least the service's port.");
        RuleForEach(r => r.Ports).ChildRules(port =>
        {
            port.RuleFor(p => p.Name).NotEmpty().Matches(IdentifierPattern())
                .WithMessage("'{PropertyName}' must be lower-case letters, digits and '_'.");
            port.RuleFor(p => p.Port).NotNull().InclusiveBetween(1, 65535);
        });
        RuleFor(r => r.Ports).Must(p => p!.Select(x => x.Name).Distinct().Count() == p!.Count).When(r => r.Ports is { Count: > 1 })
            .WithMessage("'ports' names must be unique.");

        RuleFor(r => r.Env).Custom((env, context) =>
        {
            foreach (var (key, value) in env ?? [])
            {
                if (!EnvNamePattern().IsMatch(key) || key.StartsWith("SLURM_", StringComparison.Ordinal)
                    || key.StartsWith("AIBENCH_", StringComparison.Ordinal))
                {
                    context.AddFailure($"env.{key}",
                        $"'{key}' is not a usable environment variable name (letters, digits, '_'; not SLURM_* or AIBENCH_*).");
                }
                else if (!NoControl(value ?? ""))
                {
                    context.AddFailure($"env.{key}", "The value must not contain control characters.");
                }
                else if (Placeholders(value ?? "").FirstOrDefault(p => !Known(context.InstanceToValidate, p)) is { } unknown)
                {
                    context.AddFailure($"env.{key}",
                        $"'{{{{{unknown}}}}}' is neither a parameter of this recipe nor one of {string.Join(", ", Builtins)}.");
                }
            }
        });

        RuleForEach(r => r.Modules).NotEmpty().Matches(ModulePattern())
            .WithMessage("'{PropertyName}' must be a module name like Apptainer/1.3.6-GCCcore-13.3.0.");

        RuleFor(r => r.Resources!).ChildRules(resources =>
        {
            resources.RuleFor(x => x.Nodes).InclusiveBetween(1, 1024);
            resources.RuleFor(x => x.GpusPerNode).InclusiveBetween(0, 64);
            resources.RuleFor(x => x.CpusPerTask).InclusiveBetween(1, 4096);
            resources.RuleFor(x => x.Memory).Matches(MemoryPattern()).When(x => x.Memory is not null)
                .WithMessage("'{PropertyName}' must be a SLURM memory size like 64G or 16000M.");
            resources.RuleFor(x => x.TimeLimit).Matches(TimeLimitPattern()).When(x => x.TimeLimit is not null)
                .WithMessage("'{PropertyName}' must be a SLURM time like 02:00:00, 1-00:00:00 or minutes.");
            foreach (var (name, field) in new (string, Func<ResourcesDocument, string?>)[]
                     { ("partition", x => x.Partition), ("account", x => x.Account), ("qos", x => x.Qos) })
            {
                resources.RuleFor(x => field(x)).Matches(SlurmNamePattern()).When(x => field(x) is not null)
                    .OverridePropertyName(name).WithMessage($"'{name}' must be a SLURM name (letters, digits, '_', '-', '.').");
            }

            resources.RuleFor(x => x.Constraint).Matches(ConstraintPattern()).When(x => x.Constraint is not null)
                .WithMessage("'{PropertyName}' must be a SLURM feature expression (letters, digits, '_', '&', '|', ',', '[', ']', '*').");
        }).When(r => r.Resources is not null);

        RuleFor(r => r.Deployment).Must(d => d is null || Deployments.Contains(d))
            .WithMessage($"'deployment' must be one of: {string.Join(", ", Deployments)}.");
        RuleFor(r => r.Resources!.Nodes).GreaterThan(1).When(r => r.Deployment == "ray" && r.Resources?.Nodes is not null)
            .OverridePropertyName("resources.nodes").WithMessage("A ray deployment spans several nodes: 'resources.nodes' must be at least 2.");

        RuleFor(r => r.Readiness!).ChildRules(readiness =>
        {
            readiness.RuleFor(x => x.Path).Matches(UrlPathPattern()).When(x => x.Path is not null)
                .WithMessage("'{PropertyName}' must be a URL path like /health.");
            readiness.RuleFor(x => x.Timeout).Must(t => Duration.TryParse(t, out var d) && d > TimeSpan.Zero).When(x => x.Timeout is not null)
                .WithMessage("'{PropertyName}' must be a duration like 15m.");
            readiness.RuleFor(x => x.Interval).Must(t => Duration.TryParse(t, out var d) && d >= TimeSpan.FromMilliseconds(100)).When(x => x.Interval
                is not null)
                .WithMessage("'{PropertyName}' must be a duration of at least 100ms, like 5s.");
        }).When(r => r.Readiness is not null);
        RuleFor(r => r.Metrics!.Path).Matches(UrlPathPattern()).When(r => r.Metrics?.Path is not null)
            .OverridePropertyName("metrics.path").WithMessage("'metrics.path' must be a URL path like /metrics.");
        foreach (var (name, field) in new (string, Func<ExportersDocument, string?>)[] { ("node", x => x.Node), ("gpu", x => x.Gpu) })
        {
            RuleFor(r => field(r.Metrics!.Exporters!)).Must(m => ExporterModes.Contains(m)).When(r => r.Metrics?.Exporters is { } e && field(e)
                is not null)
                .OverridePropertyName($"metrics.exporters.{name}")
                .WithMessage($"'metrics.exporters.{name}' must be one of: {string.Join(", ", ExporterModes)} (auto starts it when the node has it).");
        }


        RuleForEach(r => r.Parameters).ChildRules(parameter =>
        {
            parameter.RuleFor(p => p.Name).NotEmpty().Matches(IdentifierPattern()).Must(n => !Builtins.Contains(n))
                .WithMessage($"'{{PropertyName}}' must be lower-case letters, digits and '_', and not one of {string.Join(", ", Builtins)}.");
            parameter.RuleFor(p => p.Type).NotEmpty().Must(t => ParameterTypes.Contains(t))
                .WithMessage($"'{{PropertyName}}' must be one of: {string.Join(", ", ParameterTypes)}.");
            parameter.RuleFor(p => p.Values).NotEmpty().When(p => p.Type == "enum").WithMessage("An enum parameter lists its allowed 'values'.");
            parameter.RuleForEach(p => p.Values).Must(NoControl!);
            parameter.RuleFor(p => p.Max).GreaterThanOrEqualTo(p => p.Min).When(p => p.Min is not null && p.Max is not null);
            parameter.RuleFor(p => p.Description).Must(NoControl!).When(p => p.Description is not null);
            parameter.RuleFor(p => p.Default).Custom((value, context) =>
            {
                var p = context.InstanceToValidate;
                if (value is not null && ParameterTypes.Contains(p.Type) && Parameters.Check(ToParameter(p), value) is { } problem)
                {
                    context.AddFailure(problem);
                }
            });
        });
        RuleFor(r => r.Parameters).Must(p => p!.Select(x => x.Name).Distinct().Count() == p!.Count).When(r => r.Parameters is { Count: > 1 })
            .WithMessage("'parameters' names must be unique.");
        RuleFor(r => r.Restart).Custom((restart, context) =>
            Lifecycle.RecipeRestart.Check(restart!.Max, restart.Backoff, "restart", (field, message) => context.AddFailure(field, message)))
            .When(r => r.Restart is not null);
    }

    public static RecipeParameter ToParameter(ParameterDocument p) => new(
        p.Name ?? "",
        Enum.TryParse<ParameterType>(p.Type, ignoreCase: true, out var type) ? type : ParameterType.String,
        p.Default,
        p.Min,
        p.Max,
        p.Values ?? [],
        p.Description ?? "",
        p.Required ?? false,
        p.Secret ?? false);

    public static IEnumerable<string> Placeholders(string text) =>
        PlaceholderPattern().Matches(text).Select(m => m.Groups["name"].Value);

    /// <summary>A <c>{{</c> that does not open a well-formed placeholder is an error too: it is never passed through.</summary>
    private static bool Known(RecipeDocument recipe, string placeholder) =>
        placeholder.Length > 0
        && (Builtins.Contains(placeholder)
            || (placeholder.StartsWith("port.", StringComparison.Ordinal) && recipe.Ports?.Any(p => $"port.{p.Name}" == placeholder) == true)
            || recipe.Parameters?.Any(p => p.Name == placeholder) == true);

    private static string UnknownPlaceholder(RecipeDocument recipe, string word)
    {
        var unknown = Placeholders(word).FirstOrDefault(p => !Known(recipe, p)) ?? "";
        return unknown.Length == 0
            ? $"'{word}' has a '{{{{' that does not open a placeholder like {{{{model}}}}."
            : $"'{{{{{unknown}}}}}' is neither a parameter of this recipe nor one of {string.Join(", ", Builtins)}.";
    }

    public static bool NoControl(string text) => !text.Any(char.IsControl);

    // A stray "{{" (no valid name up to "}}") yields an empty name, which is never Known.
    [GeneratedRegex(@"\{\{\s*(?<name>[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?)\s*\}\}|\{\{(?<name>)")]
    private static partial Regex PlaceholderPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")]
    public static partial Regex NamePattern();

    [GeneratedRegex("^[a-z][a-z0-9_]{0,62}$")]
    private static partial Regex IdentifierPattern();

    [GeneratedRegex(@"^((docker|oras|library)://[A-Za-z0-9._/:@+-]+|/[A-Za-z0-9._/+-]+)$")]
    private static partial Regex ImagePattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,127}$")]
    private static partial Regex EnvNamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9._/+-]{1,128}$")]
    private static partial Regex ModulePattern();

    [GeneratedRegex(@"^\d{1,9}[KMGT]?$")]
    private static partial Regex MemoryPattern();

    [GeneratedRegex(@"^(\d{1,4}-)?\d{1,5}(:\d{2}){0,2}$")]
    private static partial Regex TimeLimitPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_.-]{1,64}$")]
    public static partial Regex SlurmNamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9_&|,\[\]*.-]{1,256}$")]
    private static partial Regex ConstraintPattern();

    [GeneratedRegex(@"^/[A-Za-z0-9._~/?=&%-]{0,255}$")]
    private static partial Regex UrlPathPattern();
}
