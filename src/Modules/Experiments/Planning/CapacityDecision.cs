namespace Aibench.Experiments.Planning;

/// <summary>What a capacity search does next.</summary>
/// <param name="Rate">The next probe's rate; null when the search stops.</param>
/// <param name="Ended">Why it stops, when it does (see <see cref="CapacityOutcome.Ended"/>).</param>
public sealed record CapacityDecision(double? Rate, string? Ended)
{
    public static CapacityDecision Probe(double rate) => new(rate, null);

    public static CapacityDecision Stop(string why) => new(null, why);
}
