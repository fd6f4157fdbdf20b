using System.Text.Json;

namespace Aibench.Experiments.Campaigns;

/// <summary>What a campaign varies: every combination of the values given is one cell of its grid.</summary>
/// <param name="Nodes">Node counts, e.g. <c>[1, 2, 4]</c>; the base experiment's when omitted.</param>
/// <param name="Parameters">Recipe parameters and their values, e.g. <c>{"max_num_seqs": [64, 256]}</c>.</param>
public sealed record CampaignAxes(IReadOnlyList<int>? Nodes = null, IReadOnlyDictionary<string, IReadOnlyList<JsonElement>>? Parameters = null);
