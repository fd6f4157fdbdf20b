using System.Globalization;

namespace Aibench.Server.Recipes;

/// <summary>Checks the parameter values of a deploy request against the recipe's schema.</summary>
internal static class Parameters
{
    public const int MaxValueLength = 4096;

    /// <summary>What is wrong with <paramref name="value"/> for <paramref name="parameter"/>, or null when it is fine.</summary>
    public static string? Check(RecipeParameter parameter, string value)
    {
        if (value.Length > MaxValueLength)
        {
            return $"'{parameter.Name}' is longer than {MaxValueLength} characters.";
        }

        if (!RecipeValidator.NoControl(value))
        {
            return $"'{parameter.Name}' must not contain control characters (newlines, tabs, escape, …).";
        }

        switch (parameter.Type)
        {
            case ParameterType.Int:
                if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i))
                {
                    return $"'{parameter.Name}' must be a whole number, not '{value}'.";
                }

                return Range(parameter, i);
            case ParameterType.Float:
                if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) || !double.IsFinite(f))
                {
                    return $"'{parameter.Name}' must be a number, not '{value}'.";
                }

                return Range(parameter, f);
            case ParameterType.Bool:
                return value is "true" or "false" ? null : $"'{parameter.Name}' must be true or false, not '{value}'.";
            case ParameterType.Enum:
                return parameter.Values.Contains(value) ? null : $"'{parameter.Name}' must be one of: {string.Join(", ", parameter.Values)}.";
            default:
                return null;
        }
    }

    /// <summary>
    /// The values a service is deployed with: the request's, then the defaults. Errors are keyed
    /// <c>parameters.&lt;name&gt;</c>; unknown names are errors, not ignored.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Resolve(Recipe recipe, IReadOnlyDictionary<string, string?>? given, IDictionary<string,
        List<string>> errors)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, _) in given ?? new Dictionary<string, string?>())
        {
            if (recipe.Parameters.All(p => p.Name != name))
            {
                Add(errors, $"parameters.{name}",
                    $"'{name}' is not a parameter of recipe '{recipe.Name}'; it has: {string.Join(", ", recipe.Parameters.Select(p => p.Name))}.");
            }
        }

        foreach (var parameter in recipe.Parameters)
        {
            string? value = null;
            if (given is not null && given.TryGetValue(parameter.Name, out var v) && v is not null)
            {
                value = v;
            }

            value ??= parameter.Default;
            if (value is null)
            {
                if (parameter.Required)
                {
                    Add(errors, $"parameters.{parameter.Name}", $"'{parameter.Name}' is required.");
                }

                continue;
            }

            if (Check(parameter, value) is { } problem)
            {
                Add(errors, $"parameters.{parameter.Name}", problem);
                continue;
            }

            values[parameter.Name] = value;
        }

        return values;
    }

    private static string? Range(RecipeParameter parameter, double value) =>
        (parameter.Min is { } min && value < min) || (parameter.Max is { } max && value > max)
            ? $"'{parameter.Name}' must be between {parameter.Min?.ToString(CultureInfo.InvariantCulture) ?? "-∞"} and "
                + $"{parameter.Max?.ToString(CultureInfo.InvariantCulture) ?? "∞"}, not {value.ToString(CultureInfo.InvariantCulture)}."
            : null;

    private static void Add(IDictionary<string, List<string>> errors, string key, string message)
    {
        if (!errors.TryGetValue(key, out var list))
        {
            errors[key] = list = [];
        }

        list.Add(message);
    }
}
