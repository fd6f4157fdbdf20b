using Microsoft.Playwright;

namespace Aibench.Tests.Infrastructure;

/// <summary>
/// axe-core, the accessibility engine, from the npm registry: injected into a page through Playwright and run there.
/// A violation is what axe calls one (WCAG 2 A/AA and best practices) with its impact; the dashboard must have no
/// serious or critical one.
/// </summary>
internal static class AxeCore
{
    private const string Version = "4.14.1";

    public sealed record Violation(string Id, string Impact, string Help, IReadOnlyList<string> Targets)
    {
        public override string ToString() => $"{Id} ({Impact}): {Help} at {string.Join(" | ", Targets.Take(5))}";
    }

    /// <summary>The serious and critical violations on the page as it is now.</summary>
    public static async Task<IReadOnlyList<Violation>> SeriousAsync(IPage page)
    {
        var script = await NpmPackage.FileAsync($"axe-core@{Version}", "package/axe.min.js", Path.Combine("axe-core", Version, "axe.min.js"));
        await page.AddScriptTagAsync(new PageAddScriptTagOptions { Path = script });
        var json = await page.EvaluateAsync<string>("""
            async () => {
              const result = await axe.run(document, { resultTypes: ['violations'] });
              return JSON.stringify(result.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target.join(' ')) })));
            }
            """);
        return System.Text.Json.JsonSerializer.Deserialize<Violation[]>(json, System.Text.Json.JsonSerializerOptions.Web) ?? [];
    }
}
