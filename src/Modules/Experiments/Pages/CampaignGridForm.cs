using System.Globalization;
using System.Text.Json;
using Aibench.Experiments.Campaigns;
using Aibench.Experiments.Features;

namespace Aibench.Experiments.Pages;

/// <summary>
/// The grid builder of the start form ("vary nodes / a parameter"): node counts and the values of one recipe
/// parameter, as comma-separated lists, with repeats and a throttle. Once anything varies (or repeats is above 1) Start
/// sends a <see cref="CreateCampaign"/> over the form's experiment instead of the experiment itself. Its fields carry
/// the campaign's API names (<c>axes.nodes</c>, <c>axes.parameters.&lt;name&gt;</c>, <c>repeats</c>, <c>throttle</c>), so
/// the module's own checks land next to them. No Blazor here, so it is tested fast.
/// </summary>
// Public only because the form is a parameter of its (public, generated) panel components.
public sealed class CampaignGridForm
{
    /// <summary>Whether the builder is unfolded.</summary>
    public bool Open { get; set; }

    /// <summary>Node counts, e.g. <c>1, 2, 4</c>.</summary>
    public string? Nodes { get; set; }

    /// <summary>The recipe parameter that varies.</summary>
    public string? Parameter { get; set; }

    /// <summary>Its values, e.g. <c>64, 256</c>.</summary>
    public string? Values { get; set; }

    public string? Repeats { get; set; } = "1";

    public string? Throttle { get; set; } = "2";

    /// <summary>Whether Start makes a campaign: a node list or parameter values are given, or more than one repeat.</summary>
    public bool Active => Open && (!Blank(Nodes) || (!Blank(Parameter) && !Blank(Values)) || (int.TryParse(Repeats, out var r) && r > 1));

    /// <summary>The field a campaign's error names on this builder or the experiment's form (<c>base.duration</c> is <c>duration</c>).</summary>
    public static string FormField(string field) =>
        field.StartsWith("base.", StringComparison.Ordinal) ? field["base.".Length..]
        : field.StartsWith("axes.nodes", StringComparison.Ordinal) ? "axes.nodes"
        : field;

    /// <summary>Whether the builder shows <paramref name="field"/> (a campaign API path) just now.</summary>
    public bool IsShown(string field) => Open && (field is "axes.nodes" or "axes" or "repeats" or "throttle"
        || (Parameter is { Length: > 0 } p && field == $"axes.parameters.{p}"));

    /// <summary>The campaign Start would send over <paramref name="experiment"/>; lists and numbers that do not parse are reported by
    /// field.</summary>
    public CreateCampaign Build(CreateExperiment experiment, List<(string Field, string Message)> problems)
    {
        List<int>? nodes = null;
        if (!Blank(Nodes))
        {
            var parts = Split(Nodes);
            nodes = [.. parts.Select(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1)];
            if (nodes.Contains(-1))
            {
                problems.Add(("axes.nodes", $"'axes.nodes' must be whole numbers separated by commas, e.g. 1, 2, 4, not '{Nodes!.Trim()}'."));
            }
        }

        Dictionary<string, IReadOnlyList<JsonElement>>? parameters = null;
        if (!Blank(Parameter) && !Blank(Values))
        {
            // As the form sends the experiment's own values: text, which the recipe reads by its parameter's type.
            parameters = new() { [Parameter!] = [.. Split(Values).Select(v => JsonSerializer.SerializeToElement(v))] };
        }

        return new CreateCampaign(experiment, new CampaignAxes(nodes, parameters), Whole("repeats", Repeats, 1, problems),
            Whole("throttle", Throttle, 2, problems), null);
    }

    private static int Whole(string field, string? text, int fallback, List<(string Field, string Message)> problems)
    {
        if (Blank(text)) return fallback;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)) return value;
        problems.Add((field, $"'{field}' must be a whole number, not '{text!.Trim()}'."));
        return fallback;
    }

    private static string[] Split(string? text) => text!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    private static bool Blank(string? text) => string.IsNullOrWhiteSpace(text);
}
