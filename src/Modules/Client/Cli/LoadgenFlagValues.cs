using System.CommandLine;
using System.Globalization;
using Aibench.Contracts.Client;

namespace Aibench.Client.Cli;

/// <summary>
/// The pure parts of reading <c>aibench loadgen</c>'s flags: values typed as text (numbers, lists, ramps, objectives,
/// output files), and the validator's messages put in the words of the flag the user typed.
/// </summary>
internal static class LoadgenFlagValues
{
    /// <summary>
    /// The validator's message without a leading "field: " (the flag is named before it), and with FluentValidation's
    /// default display name ('load.max In Flight') put back to the field's JSON name.
    /// </summary>
    public static string Message(string message, string field)
    {
        message = StripField(message, field);
        if (message.StartsWith('\''))
        {
            var close = message.IndexOf('\'', 1);
            if (close > 0)
            {
                message = field + message[(close + 1)..];
            }
        }

        return message;
    }

    /// <summary>The flag that sets a spec field, for messages that name what the user typed.</summary>
    public static (string Flag, string Field) FlagOf(string property)
    {
        // RuleForEach names the element: urls[1], load.rates[0].
        var bracket = property.IndexOf('[', StringComparison.Ordinal);
        var field = bracket < 0 ? property : property[..bracket];
        var flag = field switch
        {
            "name" => "--name",
            "urls" => "--url",
            "spread" => "--spread",
            "model" => "--model",
            "api" => "--api",
            "duration" => "--duration",
            "maxRequests" => "--max-requests",
            "warmup" => "--warmup",
            "timeout" => "--timeout",
            "dataset" => "--dataset",
            "tokenizer" => "--tokenizer",
            "seed" => "--seed",
            "slo" or "slo.ttft" or "slo.tpot" or "slo.itl" or "slo.e2e" => "--slo",
            "load.kind" or "load.concurrency" => "--concurrency",
            "load.rate" => "--rate",
            "load.arrival" => "--arrival",
            "load.burstiness" => "--burstiness",
            "load.from" or "load.to" => "--ramp",
            "load.rates" => "--sweep-rates",
            "load.concurrencies" => "--sweep-concurrency",
            "load.maxInFlight" => "--max-in-flight",
            "calibration" => "--calibrate",
            "keepTexts" => "--keep-texts",
            _ when field == "references" || field.StartsWith("references.", StringComparison.Ordinal) => "--reference",
            _ => field,
        };
        return (flag, field);
    }

    public static LoadShape Ramp(string text, List<(string, string)> problems)
    {
        var parts = text.Split(':');
        if (parts.Length == 2 && TryNumber(parts[0], out var from) && TryNumber(parts[1], out var to))
        {
            return new LoadShape("ramp", From: from, To: to);
        }

        problems.Add(("--ramp", $"'{text}' is not FROM:TO in requests per second, e.g. --ramp 1:50."));
        return new LoadShape("ramp");
    }

    public delegate bool TryParse<T>(string text, out T value);

    public static List<T>? ParseList<T>(Option<string?> option, ParseResult parse, List<(string, string)> problems, TryParse<T> tryParse)
    {
        var text = parse.GetValue(option)!;
        var values = new List<T>();
        foreach (var part in text.Split(','))
        {
            if (!tryParse(part, out var value))
            {
                problems.Add((option.Name, $"'{part.Trim()}' in '{text}' is not a {(typeof(T) == typeof(int) ? "whole number" : "number")}; give a "
                    + $"comma-separated list like 1,2,4."));
                return null;
            }

            values.Add(value);
        }

        return values;
    }

    public static SloSpec? Slo(string[] values, List<(string, string)> problems)
    {
        var objectives = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in values.SelectMany(v => v.Split(',')))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = (eq < 0 ? pair : pair[..eq]).Trim().ToLowerInvariant();
            if (key is not ("ttft" or "tpot" or "itl" or "e2e"))
            {
                problems.Add(("--slo", $"unknown objective '{key}' in '{pair}': use ttft, tpot, itl or e2e, e.g. --slo ttft=500ms."));
                return null;
            }

            if (eq < 0 || pair[(eq + 1)..].Trim().Length == 0)
            {
                problems.Add(("--slo", $"'{pair}' needs a time, e.g. {key}=500ms."));
                return null;
            }

            if (!objectives.TryAdd(key, pair[(eq + 1)..].Trim()))
            {
                problems.Add(("--slo", $"{key} is given twice."));
                return null;
            }
        }

        return objectives.Count == 0
            ? null
            : new SloSpec(objectives.GetValueOrDefault("ttft"), objectives.GetValueOrDefault("tpot"), objectives.GetValueOrDefault("e2e"),
                Itl: objectives.GetValueOrDefault("itl"));
    }

    /// <summary>
    /// <c>--reference FIGURE=VALUE,±DEVIATION[,±DEVIATION]</c>: the sign of each deviation says its side, e.g.
    /// <c>throughput=1200,-5%</c> or <c>ttft_p99=300ms,+10%</c>; the validator checks figures, values and deviations.
    /// </summary>
    public static IReadOnlyDictionary<string, ReferenceBound>? References(string[] values, List<(string, string)> problems)
    {
        var references = new Dictionary<string, ReferenceBound>(StringComparer.Ordinal);
        foreach (var text in values)
        {
            var eq = text.IndexOf('=', StringComparison.Ordinal);
            var parts = eq < 0 ? [] : text[(eq + 1)..].Split(',', StringSplitOptions.TrimEntries);
            var figure = eq < 0 ? text.Trim() : text[..eq].Trim();
            string? lower = null, upper = null;
            var bad = parts.Length is < 2 or > 3 || parts[0].Length == 0;
            foreach (var deviation in parts.Skip(1))
            {
                if (deviation.StartsWith('-') && lower is null) lower = deviation;
                else if (deviation.StartsWith('+') && upper is null) upper = deviation;
                else bad = true;
            }

            if (bad)
            {
                problems.Add(("--reference", $"'{text}' is not FIGURE=VALUE,±DEVIATION[,±DEVIATION], e.g. --reference throughput=1200,-5% or "
                    + "--reference ttft_p99=300ms,+10%."));
                return null;
            }

            if (!references.TryAdd(figure, new ReferenceBound(parts[0], lower, upper)))
            {
                problems.Add(("--reference", $"{figure} is given twice."));
                return null;
            }
        }

        return references.Count == 0 ? null : references;
    }

    /// <summary>Checked before the run so that a long run never ends unable to save what it measured.</summary>
    public static string? OutputFile(string? path, string flag, List<(string, string)> problems)
    {
        if (path is null)
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(path))
        {
            problems.Add((flag, "needs a file name."));
            return null;
        }

        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            problems.Add((flag, $"{path} is a directory; give a file name."));
            return null;
        }

        var folder = Path.GetDirectoryName(full);
        if (folder is null || !Directory.Exists(folder))
        {
            problems.Add((flag, $"the folder {folder ?? path} does not exist."));
            return null;
        }

        return full;
    }

    public static bool TryNumber(string text, out double value) =>
        double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    public static bool TryInt(string text, out int value) =>
        int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    /// <summary>Validator and dataset messages start with the field's name; the flag is named before them already.</summary>
    public static string StripField(string message, string field) =>
        message.StartsWith(field + ": ", StringComparison.Ordinal) ? message[(field.Length + 2)..] : message;
}
