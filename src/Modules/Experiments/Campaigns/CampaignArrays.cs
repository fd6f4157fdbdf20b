using Aibench.Experiments.Persistence;

namespace Aibench.Experiments.Campaigns;

/// <summary>
/// How a campaign's elements become SLURM job arrays: one array per shape (the preview's submissions), its tasks in
/// element order, throttled with the campaign's <c>%N</c>; and how long an element may then wait for its turn.
/// </summary>
internal static class CampaignArrays
{
    /// <summary>The longest ready timeout an experiment takes (its validator's bound).</summary>
    public const int MaxReadyTimeoutSeconds = 7 * 24 * 3600;

    /// <summary>
    /// An element's ready timeout: its cell's own, plus one job time limit for each round of the throttle that may run
    /// before its turn, ⌈size / throttle⌉ − 1 (SLURM holds the rest as <c>JobArrayTaskLimit</c>, and each element ahead of
    /// it holds its slot at most its time limit). Without a time limit the bound is the longest timeout there is.
    /// </summary>
    public static int ReadyTimeoutSeconds(int own, int size, int throttle, int? timeLimitMinutes)
    {
        var rounds = (size + throttle - 1) / throttle - 1;
        if (rounds == 0) return own;
        var turn = timeLimitMinutes is { } minutes ? (long)rounds * minutes * 60 : MaxReadyTimeoutSeconds;
        return (int)Math.Min(MaxReadyTimeoutSeconds, own + turn);
    }

    /// <summary>Tasks in one array at the most: SLURM's default <c>MaxArraySize</c> is 1001 (indices 0 to 1000).</summary>
    public const int MaxArraySize = 1000;

    /// <summary>
    /// Gives every element of a shape of more than one its array, task index and ready timeout, from the preview's grid;
    /// a shape of more than <see cref="MaxArraySize"/> elements is split into arrays of that many. An element alone in its
    /// shape is a job of its own, which the campaign throttles itself.
    /// </summary>
    public static void Assign(IReadOnlyList<CampaignElement> elements, CampaignPreview preview, int throttle, Func<Guid> newId)
    {
        foreach (var shape in elements.GroupBy(e => preview.Grid[e.Cell].Shape)
            .SelectMany(g => g.OrderBy(e => e.Index).Chunk(MaxArraySize)).Where(c => c.Length > 1))
        {
            var members = shape.ToList();
            var arrayId = newId();
            for (var i = 0; i < members.Count; i++)
            {
                var cell = preview.Grid[members[i].Cell];
                (members[i].ArrayId, members[i].ArrayIndex, members[i].ArraySize) = (arrayId, i, members.Count);
                members[i].ReadyTimeoutSeconds = ReadyTimeoutSeconds(cell.ReadyTimeoutSeconds, members.Count, Math.Min(throttle, members.Count),
                    cell.TimeLimitMinutes);
            }
        }
    }
}
