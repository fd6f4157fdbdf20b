using System.Text.Json.Serialization;

namespace Aibench.Contracts.Client;

/// <summary>
/// One figure's reference (ReFrame style): the value a run is compared with and how far it may stray, e.g.
/// <c>{"value": 1200, "lower": "-5%"}</c> or <c>{"value": "300ms", "upper": "+10%"}</c>. docs/metrics.md names the figures.
/// </summary>
/// <param name="Value">
/// The reference value in the figure's unit (req/s, tokens/s, a latency as a duration or in ms, a share). Omitted: the
/// same figure of the last passing experiment of the same recipe, nodes, parameters and test type (experiments only).
/// </param>
/// <param name="Lower">How far below it may go: <c>-5%</c> of the value, or an amount in the figure's unit (<c>-50</c>, <c>-20ms</c>); none when
/// omitted.</param>
/// <param name="Upper">How far above it may go, the same way (<c>+10%</c>); none when omitted.</param>
public sealed record ReferenceBound(
    [property: JsonConverter(typeof(NumberOrTextConverter))] string? Value = null,
    [property: JsonConverter(typeof(NumberOrTextConverter))] string? Lower = null,
    [property: JsonConverter(typeof(NumberOrTextConverter))] string? Upper = null);
