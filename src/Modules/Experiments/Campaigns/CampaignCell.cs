using System.Text.Json;

namespace Aibench.Experiments.Campaigns;

/// <summary>One point of a campaign's grid: its node count and the parameter values the axes set.</summary>
/// <param name="Index">Its place in the grid, from 0 (nodes vary slowest, then the parameters in name order).</param>
/// <param name="Nodes">Its node count; null keeps the base experiment's (the recipe's).</param>
/// <param name="Parameters">The values the axes set (the base experiment's others stay).</param>
/// <param name="Label">The cell in words, e.g. <c>2 nodes · max_num_seqs=64</c>.</param>
public sealed record CampaignCell(int Index, int? Nodes, IReadOnlyDictionary<string, JsonElement> Parameters, string Label);
