using System.Globalization;
using Aibench.Monitor.Features;
using Aibench.Monitor.Scraping;
using Aibench.Shared.Components;
using Aibench.Shared.Components.Charts;

namespace Aibench.Monitor.Pages;

/// <summary>One line of a chart before it is laid on the time grid: a legend name, its series' labels and its points.</summary>
internal sealed record MetricLine(string Name, IReadOnlyDictionary<string, string> Labels, IReadOnlyList<SeriesPoint> Points);

/// <summary>Turns the series a preset's queries answer into chart lines with short legends.</summary>
internal static class MetricCharts
{
    private const int MaxLabels = 8;
    private const int MaxValueLength = 24;

    // job is the same on every line of a chart; the rest only identify hardware or a histogram's parts and would make
    // every legend entry a line long without telling the reader anything.
    private static readonly HashSet<string> Hidden = new(StringComparer.Ordinal)
    {
        "job", "__name__", "le", "quantile", "instance", "UUID", "pci_bus_id", "device", "modelName", "Hostname", "DCGM_FI_DRIVER_VERSION",
    };

    // Where a line runs is what tells the lines of a chart apart, so these are always shown, first.
    private static readonly string[] Placement = ["replica", "node", "gpu"];

    public static List<MetricLine> Lines(Preset preset, IReadOnlyList<IReadOnlyList<Series>> results)
    {
        var lines = preset.Combine switch
        {
            Combine.Difference when results.Count == 2 => Difference(preset.Queries[0], results[0], results[1]),
            Combine.BusyCpu => BusyCpu(preset.Queries[0], results[0]),
            _ => [.. preset.Queries.Zip(results).SelectMany(x
                => x.Second.Select(s => new MetricLine(Legend(x.First), LabelText.Parse(s.Labels), s.Points)))],
        };
        return [.. lines.Where(l => l.Points.Count > 0).Select(l => preset.Scale == 1 ? l
            : l with { Points = [.. l.Points.Select(p => p with { V = p.V * preset.Scale })] })];
    }

    public static Chart Chart(IReadOnlyList<MetricLine> lines, DateTimeOffset from, DateTimeOffset to, TimeSpan step, ChartAxis y)
    {
        var count = (int)((to - from) / step) + 1;
        var names = Legends(lines);
        var built = new List<ChartLine>(lines.Count);
        for (var i = 0; i < lines.Count; i++)
        {
            var values = new double?[count];
            foreach (var point in lines[i].Points)
            {
                // Raw samples fall between grid steps; the latest one in a step stands for it.
                var index = (int)Math.Round((point.T - from) / step);
                if (index >= 0 && index < count && double.IsFinite(point.V))
                {
                    values[index] = Math.Round(point.V, 4);
                }
            }

            built.Add(new ChartLine(names[i],
                [.. values.Select((v, k) => new ChartPoint((from + (step * k)).ToUnixTimeMilliseconds() / 1000.0, v))]));
        }

        // The window asked for, not the data's: an idle stretch shows as idle, and every card shares the axis.
        return new Chart(TimeChart.Axis, y, built, XFrom: from.ToUnixTimeMilliseconds() / 1000.0, XTo: to.ToUnixTimeMilliseconds() / 1000.0);
    }

    /// <summary>
    /// A line's name, then where it runs (replica, node, gpu) and any other label that differs between the chart's lines;
    /// a label every line shares (the model, the engine) says nothing to tell them apart.
    /// </summary>
    public static List<string> Legends(IReadOnlyList<MetricLine> lines)
    {
        var varying = lines.SelectMany(l => l.Labels.Keys).Distinct()
            .Where(k => !Hidden.Contains(k) && !Placement.Contains(k))
            .Where(k => lines.Select(l => l.Labels.GetValueOrDefault(k)).Distinct().Skip(1).Any())
            .Order(StringComparer.Ordinal)
            .ToList();
        return [.. lines.Select(line =>
        {
            var parts = Placement.Concat(varying)
                .Where(line.Labels.ContainsKey)
                .Select(k => $"{k}={Shorten(line.Labels[k])}")
                .ToList();
            return parts.Count == 0 ? line.Name : $"{line.Name} {string.Join(" ", parts)}";
        })];
    }

    /// <summary>The y axis in few characters: 1.2k, 3.4M; small values keep their decimals.</summary>
    public static string Number(double value) => Math.Abs(value) switch
    {
        >= 1e9 => (value / 1e9).ToString("0.##", CultureInfo.InvariantCulture) + "G",
        >= 1e6 => (value / 1e6).ToString("0.##", CultureInfo.InvariantCulture) + "M",
        >= 1e4 => (value / 1e3).ToString("0.#", CultureInfo.InvariantCulture) + "k",
        >= 10 => value.ToString("0.#", CultureInfo.InvariantCulture),
        _ => value.ToString("0.###", CultureInfo.InvariantCulture),
    };

    private static string Legend(PresetQuery query) => query.Legend ?? query.Metric;

    private static string Shorten(string value) => value.Length <= MaxValueLength ? value : value[..(MaxValueLength - 1)] + "…";

    private static List<MetricLine> Difference(PresetQuery query, IReadOnlyList<Series> minuends, IReadOnlyList<Series> subtrahends)
    {
        var bySet = subtrahends.ToDictionary(s => s.Labels, s => s.Points.ToDictionary(p => p.T, p => p.V));
        return [.. minuends.Where(s => bySet.ContainsKey(s.Labels)).Select(s =>
        {
            var other = bySet[s.Labels];
            return new MetricLine(Legend(query), LabelText.Parse(s.Labels),
                [.. s.Points.Where(p => other.ContainsKey(p.T)).Select(p => p with { V = p.V - other[p.T] })]);
        })];
    }

    private static List<MetricLine> BusyCpu(PresetQuery query, IReadOnlyList<Series> rates) =>
        [.. rates
            .Select(s => (Labels: LabelText.Parse(s.Labels), s.Points))
            .Where(s => s.Labels.GetValueOrDefault("mode") != "idle")
            .GroupBy(s => (Replica: s.Labels.GetValueOrDefault("replica"), Node: s.Labels.GetValueOrDefault("node")))
            .Select(g =>
            {
                var labels = new Dictionary<string, string>(StringComparer.Ordinal);
                if (g.Key.Replica is { } replica) labels["replica"] = replica;
                if (g.Key.Node is { } node) labels["node"] = node;
                IReadOnlyList<SeriesPoint> points =
                    [.. g.SelectMany(s => s.Points).GroupBy(p => p.T).OrderBy(p => p.Key).Select(p => new SeriesPoint(p.Key, p.Sum(x => x.V)))];
                return new MetricLine(Legend(query), labels, points);
            })];
}
