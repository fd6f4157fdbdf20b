using System.Globalization;

namespace Aibench.Monitor.Pages;

/// <summary>The "Any series" form of the metrics page: a stored metric by name, turned into a one-query preset.</summary>
// Public only because the form is a parameter of its (public, generated) panel.
public sealed class CustomSeriesForm
{
    public static readonly string[] Functions = ["instant", "rate", "quantile", "raw"];

    public string? Name { get; set; }

    public string Fn { get; set; } = "instant";

    public double Q { get; set; } = 0.99;

    public bool Sum { get; set; }

    /// <summary>The preset to plot: q only for a quantile, sum only where it means something (instant, rate).</summary>
    public Preset Build()
    {
        var name = Name?.Trim() ?? "";
        double? q = Fn == "quantile" ? Q : null;
        var sum = Sum && Fn is "instant" or "rate";
        var title = Fn switch
        {
            "quantile" => $"{name} q={Q.ToString(CultureInfo.InvariantCulture)}",
            "raw" => name,
            _ => $"{Fn}({name}){(sum ? " summed" : "")}",
        };
        return new Preset("custom", "", title, Fn == "rate" ? "per second" : "", [new PresetQuery(name, Fn, q, sum, Legend: name)]);
    }
}
