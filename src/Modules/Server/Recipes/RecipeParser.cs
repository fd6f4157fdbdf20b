using System.Text;
using System.Text.RegularExpressions;
using Aibench.Shared.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Aibench.Server.Recipes;

/// <summary>A problem in a recipe file: the field's path and, where the YAML has it, its line and column.</summary>
internal sealed record RecipeError(string Field, string Message, int? Line = null, int? Column = null)
{
    public override string ToString() => Line is null ? $"{Field}: {Message}" : $"line {Line}, column {Column}: {Field}: {Message}";
}

internal sealed record RecipeParseResult(Recipe? Recipe, IReadOnlyList<RecipeError> Errors);

internal static partial class RecipeParser
{
    public const int MaxRecipeBytes = 256 * 1024;

    private static readonly IDeserializer Deserializer = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        // Unknown keys are errors (a typo such as gpu_per_node must not silently fall back to a default).
        .Build();

    private static readonly RecipeValidator Validator = new();

    public static RecipeParseResult Parse(string yaml, string source)
    {
        if (Encoding.UTF8.GetByteCount(yaml) > MaxRecipeBytes)
        {
            return Fail(new RecipeError("recipe", $"larger than {MaxRecipeBytes / 1024} KiB"));
        }

        RecipeDocument? document;
        try
        {
            document = Deserializer.Deserialize<RecipeDocument>(yaml);
        }
        catch (YamlException e)
        {
            return Fail(FromYaml(e));
        }

        if (document is null)
        {
            return Fail(new RecipeError("recipe", "the file is empty"));
        }

        var result = Validator.Validate(document);
        if (!result.IsValid)
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            var root = stream.Documents.FirstOrDefault()?.RootNode;
            return new RecipeParseResult(null, [.. result.Errors.Select(e =>
            {
                var field = YamlPath(e.PropertyName);
                var mark = root is null ? null : Locate(root, field);
                return new RecipeError(field, e.ErrorMessage.Replace(e.PropertyName, field, StringComparison.Ordinal), (int?)mark?.Line,
                    (int?)mark?.Column);
            })]);
        }

        return new RecipeParseResult(ToRecipe(document, yaml, source), []);
    }

    private static Recipe ToRecipe(RecipeDocument d, string yaml, string source)
    {
        var r = d.Resources ?? new ResourcesDocument();
        var readiness = d.Readiness ?? new ReadinessDocument();
        _ = Duration.TryParse(readiness.Timeout ?? "15m", out var timeout);
        _ = Duration.TryParse(readiness.Interval ?? "5s", out var interval);
        return new Recipe(
            d.Name!,
            d.Category!,
            d.Description?.Trim() ?? "",
            d.Image,
            [.. d.Command!],
            [.. d.Ports!.Select(p => new RecipePort(p.Name!, p.Port!.Value))],
            d.Env ?? new Dictionary<string, string>(),
            d.Modules ?? [],
            new RecipeResources(r.Nodes ?? 1, r.GpusPerNode ?? 0, r.CpusPerTask ?? 1, r.Memory, r.TimeLimit, r.Partition, r.Account, r.Qos,
                r.Constraint),
            Enum.Parse<DeploymentMode>(d.Deployment ?? "single", ignoreCase: true),
            new RecipeReadiness(readiness.Path ?? "/health", timeout, interval),
            d.Metrics?.Path,
            new RecipeExporters(Mode(d.Metrics?.Exporters?.Node), Mode(d.Metrics?.Exporters?.Gpu)),
            [.. (d.Parameters ?? []).Select(RecipeValidator.ToParameter)],
            yaml,
            source)
        {
            Restart = d.Restart is { } restart
                ? new Lifecycle.RecipeRestart(restart.Max ?? 0, Duration.TryParse(restart.Backoff, out var backoff) ? backoff
                    : Lifecycle.RecipeRestart.DefaultBackoff)
                : Lifecycle.RecipeRestart.None,
        };
    }

    private static ExporterMode Mode(string? text) => text is null ? ExporterMode.Auto : Enum.Parse<ExporterMode>(text, ignoreCase: true);

    private static RecipeParseResult Fail(RecipeError error) => new(null, [error]);

    private static RecipeError FromYaml(YamlException e)
    {
        var message = (e.InnerException?.Message ?? e.Message).Trim();
        if (UnknownProperty().Match(e.Message) is { Success: true } m)
        {
            message = $"unknown key '{m.Groups["key"].Value}'";
        }
        else if (e.InnerException is FormatException or OverflowException)
        {
            message = $"wrong type: {message}";
        }
        else if (e.InnerException is InvalidOperationException)
        {
            // YamlDotNet's scanner fails this way on a flow collection that is never closed.
            message = "a [ or { here is never closed (or a quote in it)";
        }

        return new RecipeError("recipe", message, (int)e.Start.Line, (int)e.Start.Column);
    }

    /// <summary>FluentValidation's property path (Resources.GpusPerNode, Command[2]) as the YAML spells it.</summary>
    internal static string YamlPath(string propertyName) =>
        // Environment variable names are the user's own spelling; everything else is a recipe key.
        propertyName.StartsWith("env.", StringComparison.Ordinal)
            ? propertyName
            : string.Join('.', propertyName.Split('.').Select(segment => SnakeCase().Replace(segment, "$1_$2").ToLowerInvariant()));

    private static Mark? Locate(YamlNode root, string path)
    {
        YamlNode? node = root;
        YamlNode? last = root;
        foreach (Match segment in PathSegment().Matches(path))
        {
            var key = segment.Groups["key"].Value;
            if (node is YamlMappingNode map && map.Children.FirstOrDefault(kv => (kv.Key as YamlScalarNode)?.Value == key) is { Key: not null } entry)
            {
                last = entry.Key;
                node = entry.Value;
            }
            else
            {
                break;
            }

            if (segment.Groups["index"].Success)
            {
                var index = int.Parse(segment.Groups["index"].Value, System.Globalization.CultureInfo.InvariantCulture);
                if (node is YamlSequenceNode seq && index < seq.Children.Count)
                {
                    node = last = seq.Children[index];
                }
                else
                {
                    break;
                }
            }
        }

        return last?.Start;
    }

    [GeneratedRegex(@"Property '(?<key>[^']+)' not found on type")]
    private static partial Regex UnknownProperty();

    [GeneratedRegex("([a-z0-9])([A-Z])")]
    private static partial Regex SnakeCase();

    [GeneratedRegex(@"(?<key>[^.\[\]]+)(\[(?<index>\d+)\])?")]
    private static partial Regex PathSegment();
}
