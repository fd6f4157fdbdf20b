using System.Globalization;
using Aibench.Contracts.Client;
using Aibench.Shared.Text;

namespace Aibench.Shared.References;

/// <summary>
/// Checks a run's figures against references (<see cref="ReferenceBound"/>): validation that names the field, and the
/// verdict that names every figure out of bounds. Pure; the modules hand in the figures they measured
/// (<see cref="FiguresOf"/>) and, for omitted values, those of a baseline run.
/// </summary>
public static class ReferenceJudge
{
    /// <summary>The figures a reference may name, with their units (docs/metrics.md, "References").</summary>
    public static readonly IReadOnlyDictionary<string, string> Units = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["throughput"] = "req/s",
        ["output_throughput"] = "tokens/s",
        ["ttft_p50"] = "ms",
        ["ttft_p90"] = "ms",
        ["ttft_p99"] = "ms",
        ["tpot_p50"] = "ms",
        ["e2e_p50"] = "ms",
        ["e2e_p90"] = "ms",
        ["e2e_p99"] = "ms",
        ["goodput_fraction"] = "share",
        ["error_rate"] = "share",
        ["capacity"] = "req/s",
    };

    /// <summary>The figures of a run's headline numbers, and a capacity test's capacity when there is one.</summary>
    public static Dictionary<string, double?> FiguresOf(BenchmarkStepResult? o, double? capacity = null) => new(StringComparer.Ordinal)
    {
        ["throughput"] = o?.RequestThroughput,
        ["output_throughput"] = o?.OutputTokenThroughput,
        ["ttft_p50"] = o?.TtftP50Ms,
        ["ttft_p90"] = o?.TtftP90Ms,
        ["ttft_p99"] = o?.TtftP99Ms,
        ["tpot_p50"] = o?.TpotP50Ms,
        ["e2e_p50"] = o?.E2eP50Ms,
        ["e2e_p90"] = o?.E2eP90Ms,
        ["e2e_p99"] = o?.E2eP99Ms,
        ["goodput_fraction"] = o?.GoodputFraction,
        ["error_rate"] = o is null || o.Completed + o.Failed == 0 ? null : Math.Round((double)o.Failed / (o.Completed + o.Failed), 6),
        ["capacity"] = capacity,
    };

    /// <summary>Every problem with <paramref name="references"/>, as (field, message) under <paramref name="prefix"/> (e.g.
    /// <c>references</c>).</summary>
    /// <param name="references">The references given.</param>
    /// <param name="prefix">The field path they were given at.</param>
    /// <param name="baselineAllowed">Whether a value may be omitted (taken from a baseline run).</param>
    public static List<(string Field, string Message)> Validate(IReadOnlyDictionary<string, ReferenceBound>? references, string prefix,
        bool baselineAllowed)
    {
        var problems = new List<(string, string)>();
        foreach (var (figure, bound) in references ?? new Dictionary<string, ReferenceBound>())
        {
            var at = $"{prefix}.{figure}";
            if (!Units.TryGetValue(figure, out var unit))
            {
                problems.Add((at, $"{at}: '{figure}' is not a figure aibench checks; use one of {string.Join(", ", Units.Keys)}."));
                continue;
            }

            if (bound is null || (bound.Lower is null && bound.Upper is null))
            {
                problems.Add((at, $"{at}: give lower, upper or both (e.g. lower: -5%), or there is nothing to check."));
                continue;
            }

            if (bound.Value is null && !baselineAllowed)
            {
                problems.Add(($"{at}.value", $"{at}.value is required here (only an experiment takes it from the last passing one)."));
            }
            else if (bound.Value is not null && Number(bound.Value, unit) is null)
            {
                problems.Add(($"{at}.value", $"{at}.value: '{bound.Value}' is not a {Describe(unit)}."));
            }

            if (bound.Lower is not null && Offset(bound.Lower, unit) is not { Amount: <= 0 })
            {
                problems.Add(($"{at}.lower", $"{at}.lower: '{bound.Lower}' is not a deviation below the value, like -5% or -{Example(unit)}."));
            }

            if (bound.Upper is not null && Offset(bound.Upper, unit) is not { Amount: >= 0 })
            {
                problems.Add(($"{at}.upper", $"{at}.upper: '{bound.Upper}' is not a deviation above the value, like +10% or +{Example(unit)}."));
            }
        }

        return problems;
    }

    /// <summary>Checks <paramref name="measured"/> against valid <paramref name="references"/>; an omitted value is the baseline's.</summary>
    public static ReferenceVerdict Judge(IReadOnlyDictionary<string, ReferenceBound> references, IReadOnlyDictionary<string, double?> measured,
        IReadOnlyDictionary<string, double?>? baseline = null, Guid? baselineId = null)
    {
        var checks = new List<ReferenceCheck>();
        foreach (var (figure, bound) in references)
        {
            var unit = Units[figure];
            var value = bound.Value is null ? baseline?.GetValueOrDefault(figure) : Number(bound.Value, unit);
            var got = measured.GetValueOrDefault(figure);
            if (value is not { } reference)
            {
                checks.Add(new ReferenceCheck(figure, got, null, null, null, true, baselineId is { } b
                    ? $"{figure}: nothing to compare with (the baseline experiment {b} did not measure it)"
                    : $"{figure}: nothing to compare with (no earlier passing experiment of the same recipe, nodes, parameters and test type)"));
                continue;
            }

            double? low = bound.Lower is null ? null : Apply(reference, Offset(bound.Lower, unit)!.Value);
            double? high = bound.Upper is null ? null : Apply(reference, Offset(bound.Upper, unit)!.Value);
            var allowed = (low, high) switch
            {
                ({ } l, { } h) => $"{Text(l)}–{Text(h)}",
                ({ } l, null) => $"≥ {Text(l)}",
                _ => $"≤ {Text(high!.Value)}",
            };
            var from = $"{Text(reference)} {(bound.Value is null ? "of the baseline" : "")}{Bounds(bound)}".Replace("  ", " ",
                StringComparison.Ordinal);
            if (got is not { } value2)
            {
                checks.Add(new ReferenceCheck(figure, null, reference, low, high, false, $"{figure}: not measured (reference {from})"));
                continue;
            }

            var passed = (low is null || value2 >= low) && (high is null || value2 <= high);
            var where = passed ? $"within {allowed}"
                : low is { } lo && value2 < lo ? $"below {Text(lo)}, the lowest allowed"
                : $"above {Text(high!.Value)}, the highest allowed";
            checks.Add(new ReferenceCheck(figure, value2, reference, low, high, passed, $"{figure} {Text(value2)} {unit} is {where} ({from})"));
        }

        var failed = checks.Where(c => !c.Passed).ToList();
        var summary = failed.Count == 0
            ? $"references passed: {checks.Count} figure{(checks.Count == 1 ? "" : "s")} within bounds"
            : $"references failed: {string.Join("; ", failed.Select(c => c.Note))}";
        return new ReferenceVerdict(failed.Count == 0, checks, summary, baselineId);
    }

    private static string Bounds(ReferenceBound b) =>
        string.Join(", ", new[] { b.Lower, b.Upper }.Where(x => x is not null).Select(x => x!.StartsWith('-') || x.StartsWith('+') ? x : "+" + x)) is
            { Length: > 0 } text ? $" {text}" : "";

    private static double Apply(double value, (double Amount, bool Percent) offset) =>
        Math.Round(offset.Percent ? value * (1 + (offset.Amount / 100)) : value + offset.Amount, 6);

    /// <summary>A value in the figure's unit: a number, or for latencies a duration (<c>300ms</c>, <c>1.5s</c>) in ms.</summary>
    private static double? Number(string text, string unit)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && double.IsFinite(n))
        {
            return n;
        }

        return unit == "ms" && Duration.TryParse(text, out var d) ? d.TotalMilliseconds : null;
    }

    /// <summary><c>-5%</c>, <c>+10%</c>, <c>-50</c>, <c>-20ms</c>: the signed amount and whether it is a percentage.</summary>
    private static (double Amount, bool Percent)? Offset(string text, string unit)
    {
        var t = text.Trim();
        if (t.Length == 0) return null;
        var sign = t[0] == '-' ? -1 : 1;
        var body = t[0] is '-' or '+' ? t[1..] : t;
        if (body.EndsWith('%'))
        {
            return double.TryParse(body[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var p) && p >= 0 && double.IsFinite(p)
                ? (sign * p, true)
                : null;
        }

        return Number(body, unit) is { } n && n >= 0 ? (sign * n, false) : null;
    }

    private static string Describe(string unit) => unit switch
    {
        "ms" => "latency (a duration like 300ms, or milliseconds)",
        "share" => "share (0–1)",
        _ => $"number ({unit})",
    };

    private static string Example(string unit) => unit == "ms" ? "20ms" : "50";

    private static string Text(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
}
