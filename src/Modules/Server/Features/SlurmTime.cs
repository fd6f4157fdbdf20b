using System.Globalization;
using System.Text.Json;
using Aibench.Contracts.Server;
using Aibench.Server.Lifecycle;
using Aibench.Server.Recipes;
using Aibench.Shared.Validation;
using FluentValidation;
using FluentValidation.Results;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Aibench.Server.Features;

/// <summary>SLURM's time formats (<c>MM</c>, <c>MM:SS</c>, <c>HH:MM:SS</c>, <c>D-HH</c>, <c>D-HH:MM</c>, <c>D-HH:MM:SS</c>).</summary>
internal static class SlurmTime
{
    /// <summary>Whole minutes (seconds rounded up), or null for no limit or a form SLURM would not read.</summary>
    public static int? Minutes(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        var days = 0;
        var rest = text;
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash >= 0)
        {
            if (!int.TryParse(text[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out days)) return null;
            rest = text[(dash + 1)..];
        }

        var parts = rest.Split(':');
        if (parts.Length > 3 || parts.Any(p => !int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _))) return null;
        var n = parts.Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        var seconds = (dash >= 0, n.Length) switch
        {
            (false, 1) => n[0] * 60,
            (false, 2) => (n[0] * 60) + n[1],
            (false, _) => (n[0] * 3600) + (n[1] * 60) + n[2],
            (true, 1) => n[0] * 3600,
            (true, 2) => (n[0] * 3600) + (n[1] * 60),
            (true, _) => (n[0] * 3600) + (n[1] * 60) + n[2],
        };
        return (days * 1440) + (int)Math.Ceiling(seconds / 60.0);
    }
}
