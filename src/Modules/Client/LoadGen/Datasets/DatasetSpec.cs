using System.Globalization;

namespace Aibench.Client.LoadGen.Datasets;

/// <summary>A parsed dataset spec; parsing never touches the disk so that request validation can use it.</summary>
internal abstract record DatasetSpec
{
    public const int DefaultCount = 1000;

    public const int MaxCount = 100_000;

    public const int MaxLength = 1 << 20;

    // Random prompts are all held in memory as text (~6 bytes a token, twice that as UTF-16); this keeps them to a few hundred MB.
    public const long MaxTotalInputTokens = 20_000_000;

    private const string Kinds = "expected random:input=N,output=N, sharegpt:PATH or jsonl:PATH";

    private static readonly string[] RandomOptions = ["input", "output", "prefix", "count"];

    public static DatasetSpec Parse(string? spec)
    {
        if (string.IsNullOrWhiteSpace(spec))
        {
            throw new DatasetException($"dataset: empty ({Kinds})");
        }

        var colon = spec.IndexOf(':', StringComparison.Ordinal);
        var kind = (colon < 0 ? spec : spec[..colon]).Trim().ToLowerInvariant();
        var rest = colon < 0 ? "" : spec[(colon + 1)..].Trim();
        return kind switch
        {
            "random" => ParseRandom(rest),
            "sharegpt" => new FileSpec(FileKind.ShareGpt, RequirePath(kind, rest)),
            "jsonl" => new FileSpec(FileKind.Jsonl, RequirePath(kind, rest)),
            _ => throw new DatasetException($"dataset: unknown kind '{kind}' ({Kinds})"),
        };
    }

    private static string RequirePath(string kind, string path) =>
        path.Length == 0 ? throw new DatasetException($"dataset: {kind} needs a file path ({kind}:PATH)") : path;

    private static RandomSpec ParseRandom(string options)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in options.Length == 0 ? [] : options.Split(','))
        {
            var option = raw.Trim();
            if (option.Length == 0)
            {
                throw new DatasetException("dataset: empty option in random:... (options are separated by single commas)");
            }

            var eq = option.IndexOf('=', StringComparison.Ordinal);
            var key = (eq < 0 ? option : option[..eq]).Trim().ToLowerInvariant();
            if (!RandomOptions.Contains(key))
            {
                throw new DatasetException($"dataset: unknown option '{key}' (expected {string.Join(", ", RandomOptions)})");
            }

            if (eq < 0 || option[(eq + 1)..].Trim().Length == 0)
            {
                throw new DatasetException($"dataset: option '{key}' needs a value ({key}=...)");
            }

            if (!values.TryAdd(key, option[(eq + 1)..].Trim()))
            {
                throw new DatasetException($"dataset: option '{key}' is given twice");
            }
        }

        foreach (var required in new[] { "input", "output" })
        {
            if (!values.ContainsKey(required))
            {
                throw new DatasetException($"dataset: random needs '{required}' (e.g. random:input=512,output=128)");
            }
        }

        var input = LengthDistribution.Parse("input", values["input"]);
        var output = LengthDistribution.Parse("output", values["output"]);
        var prefix = values.TryGetValue("prefix", out var p) ? Number("prefix", p, MaxLength) : 0;
        var count = values.TryGetValue("count", out var c) ? Number("count", c, MaxCount) : DefaultCount;

        // Input lengths include the prefix, so every prompt needs at least one token of its own after it.
        // For a normal length the mean must clear the prefix; samples below it are raised to prefix + 1.
        var shortest = input.Kind == LengthKind.Normal ? input.A : input.Smallest;
        if (prefix > 0 && shortest <= prefix)
        {
            throw new DatasetException(
                $"dataset: input={input} must be longer than prefix={prefix} (input lengths include the prefix)");
        }

        var total = (long)Math.Ceiling(input.Mean) * count;
        if (total > MaxTotalInputTokens)
        {
            throw new DatasetException(
                $"dataset: count × input is about {DatasetLoader.Thousands(total)} tokens, more than the "
                    + $"{DatasetLoader.Thousands(MaxTotalInputTokens)} kept in memory; lower count or input");
        }

        return new RandomSpec(input, output, prefix, count);
    }

    /// <summary>A positive whole number in plain digits.</summary>
    internal static int Number(string option, string text, int max)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            var signed = text.StartsWith('-') && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);
            throw new DatasetException(signed
                ? $"dataset: {option} must be positive, not {text}"
                : $"dataset: {option} '{text}' is not a whole number");
        }

        if (value <= 0)
        {
            throw new DatasetException($"dataset: {option} must be positive, not {text}");
        }

        return value <= max ? value : throw new DatasetException($"dataset: {option} must be at most {DatasetLoader.Thousands(max)}, not {text}");
    }
}

internal enum FileKind
{
    ShareGpt,
    Jsonl,
}

internal sealed record FileSpec(FileKind Kind, string Path) : DatasetSpec;

internal sealed record RandomSpec(LengthDistribution Input, LengthDistribution Output, int Prefix, int Count) : DatasetSpec
{
    public override string ToString()
    {
        var prefix = Prefix > 0 ? $", prefix {Prefix}" : "";
        return $"random: input {Input}, output {Output}{prefix}, {DatasetLoader.Thousands(Count)} prompts";
    }
}

/// <summary>A token length: fixed <c>512</c>, uniform <c>256-1024</c> (inclusive) or normal <c>512~64</c> (mean~stddev).</summary>
internal sealed record LengthDistribution(LengthKind Kind, int A, int B)
{
    /// <summary>The smallest length a sample can have.</summary>
    public int Smallest => Kind switch
    {
        LengthKind.Fixed or LengthKind.Uniform => A,
        _ => 1,
    };

    public double Mean => Kind == LengthKind.Uniform ? (A + B) / 2.0 : A;

    public static LengthDistribution Parse(string option, string text)
    {
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        var tilde = text.IndexOf('~', StringComparison.Ordinal);
        if (dash == 0)
        {
            throw new DatasetException($"dataset: {option} must be positive, not {text}");
        }

        if (dash > 0 && tilde < 0)
        {
            var min = Number(option, text[..dash].Trim(), text);
            var max = Number(option, text[(dash + 1)..].Trim(), text);
            return max >= min
                ? new LengthDistribution(LengthKind.Uniform, min, max)
                : throw new DatasetException($"dataset: {option}={text} is an empty range (MIN-MAX needs MIN <= MAX)");
        }

        if (tilde > 0 && dash < 0)
        {
            var mean = Number(option, text[..tilde].Trim(), text);
            var stddev = text[(tilde + 1)..].Trim();
            // A zero spread is allowed: it is the fixed length written as a distribution.
            if (stddev != "0" && !IsNumber(stddev))
            {
                throw NotALength(option, text);
            }

            return new LengthDistribution(LengthKind.Normal, mean, stddev == "0" ? 0 : Number(option, stddev, text));
        }

        if (dash < 0 && tilde < 0)
        {
            return new LengthDistribution(LengthKind.Fixed, Number(option, text, text), 0);
        }

        throw NotALength(option, text);
    }

    public int Sample(Random random)
    {
        switch (Kind)
        {
            case LengthKind.Fixed:
                return A;
            case LengthKind.Uniform:
                return random.Next(A, B + 1);
            default:
                // Box–Muller; 1 - NextDouble() keeps the logarithm's argument in (0, 1].
                var u1 = 1.0 - random.NextDouble();
                var u2 = random.NextDouble();
                var z = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
                return (int)Math.Clamp(Math.Round(A + (B * z)), 1, DatasetSpec.MaxLength);
        }
    }

    public override string ToString() => Kind switch
    {
        LengthKind.Fixed => A.ToString(CultureInfo.InvariantCulture),
        LengthKind.Uniform => FormattableString.Invariant($"{A}-{B}"),
        _ => FormattableString.Invariant($"{A}~{B}"),
    };

    private static bool IsNumber(string text) => text.Length > 0 && text.All(char.IsAsciiDigit);

    private static int Number(string option, string part, string whole)
    {
        if (!IsNumber(part))
        {
            throw NotALength(option, whole);
        }

        return DatasetSpec.Number(option, part, DatasetSpec.MaxLength);
    }

    private static DatasetException NotALength(string option, string text) =>
        new($"dataset: {option}={text} is not a length (expected N, MIN-MAX or MEAN~STDDEV, whole positive numbers)");
}

internal enum LengthKind
{
    Fixed,
    Uniform,
    Normal,
}
