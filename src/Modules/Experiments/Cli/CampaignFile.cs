using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Aibench.Experiments.Cli;

/// <summary>A campaign file that cannot be read: the message names the file, and the line when there is one.</summary>
internal sealed class CampaignFileException(string message) : Exception(message);

/// <summary>
/// A campaign definition in YAML (<c>aibench campaign submit file.yaml</c>): the same fields as the REST body
/// (<c>name</c>, <c>base</c>, <c>axes</c>, <c>repeats</c>, <c>throttle</c>), turned into that JSON body. Plain scalars are
/// typed as YAML 1.2's core schema reads them (numbers, true/false, null); quoted ones stay text. The file keeps its
/// nodes, so the server's field errors (<c>axes.parameters.max_num_seqs</c>, <c>axes.nodes[0]</c>) are shown at their line.
/// </summary>
internal sealed partial class CampaignFile
{
    private readonly YamlMappingNode _root;

    private CampaignFile(string path, YamlMappingNode root, JsonObject body)
    {
        Path = path;
        _root = root;
        Body = body;
    }

    public string Path { get; }

    /// <summary>The REST body it stands for.</summary>
    public JsonObject Body { get; }

    public static CampaignFile Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CampaignFileException($"{path}: cannot be read: {e.Message}");
        }

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new CampaignFileException($"{path}, line {e.Start.Line}, column {e.Start.Column}: {(e.InnerException ?? e).Message}");
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this, with no position, when the file ends inside a flow collection.
            throw new CampaignFileException($"{path}, line {text.TrimEnd('\n').Split('\n').Length}: the file ends inside a value: "
                + "an unclosed [, { or quote?");
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new CampaignFileException($"{path}: must hold one YAML mapping with the campaign's fields (base, axes, repeats, throttle, name).");
        }

        return new CampaignFile(path, root, Mapping(root, path));
    }

    /// <summary>The line of a field the server named (<c>base.load.rate</c>, <c>axes.nodes[1]</c>); null when the file does not have it.</summary>
    public int? LineOf(string field)
    {
        YamlNode? node = _root;
        foreach (Match part in FieldPart().Matches(field))
        {
            node = node switch
            {
                YamlMappingNode map when part.Groups["name"].Success
                    => map.Children.FirstOrDefault(kv => string.Equals((kv.Key as YamlScalarNode)?.Value, part.Groups["name"].Value,
                        StringComparison.OrdinalIgnoreCase)).Value,
                YamlSequenceNode list when part.Groups["index"].Success
                    && int.Parse(part.Groups["index"].Value, CultureInfo.InvariantCulture) is var i && i < list.Children.Count => list.Children[i],
                _ => null,
            };
            if (node is null) return null;
        }

        return node == _root ? null : (int)node.Start.Line;
    }

    private static JsonNode? Json(YamlNode node, string path) => node switch
    {
        YamlMappingNode map => Mapping(map, path),
        YamlSequenceNode list => new JsonArray([.. list.Children.Select(c => Json(c, path))]),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new CampaignFileException($"{path}, line {node.Start.Line}: aliases and tags are not supported here."),
    };

    private static JsonObject Mapping(YamlMappingNode map, string path)
    {
        var json = new JsonObject();
        foreach (var (key, value) in map.Children)
        {
            if (key is not YamlScalarNode { Value: { Length: > 0 } name })
            {
                throw new CampaignFileException($"{path}, line {key.Start.Line}: a key must be a plain name.");
            }

            json[name] = Json(value, path);
        }

        return json;
    }

    private static JsonValue? Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style is not ScalarStyle.Plain) return JsonValue.Create(value);
        if (value is "" or "~" or "null" or "Null" or "NULL") return null;
        if (value is "true" or "True" or "TRUE") return JsonValue.Create(true);
        if (value is "false" or "False" or "FALSE") return JsonValue.Create(false);
        if (IntegerPattern().IsMatch(value) && long.TryParse(value, CultureInfo.InvariantCulture, out var integer)) return JsonValue.Create(integer);
        if (FloatPattern().IsMatch(value) && double.TryParse(value, CultureInfo.InvariantCulture, out var number)) return JsonValue.Create(number);
        return JsonValue.Create(value);
    }

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();

    [GeneratedRegex(@"(?<name>[^.\[\]]+)|\[(?<index>\d+)\]")]
    private static partial Regex FieldPart();
}
