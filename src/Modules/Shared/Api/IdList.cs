using FluentValidation;
using FluentValidation.Results;

namespace Aibench.Shared.Api;

/// <summary>A query's comma-separated list of ids (<c>?ids=a,b,c</c>), as comparisons take them.</summary>
public static class IdList
{
    /// <summary>The ids in order; one that is not a GUID is a 400 naming <paramref name="field"/> and the bad value.</summary>
    public static List<Guid> Parse(string? ids, string field, string what)
    {
        var parts = (ids ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.FirstOrDefault(p => !Guid.TryParse(p, out _)) is { } bad)
        {
            throw new ValidationException([new ValidationFailure(field, $"{field}: '{bad}' is not {what} (a GUID).")]);
        }

        return [.. parts.Select(Guid.Parse)];
    }
}
