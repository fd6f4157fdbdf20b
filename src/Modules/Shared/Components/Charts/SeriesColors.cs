namespace Aibench.Shared.Components.Charts;

/// <summary>
/// A line's colour from its name, so that "completed req/s" or "TTFT p99" has one colour on every page, live and
/// finished, and in the reports. Ten colours that stay apart for the common forms of colour blindness (Tableau 10);
/// two names of one chart that fall on the same colour take the next free one, in the chart's own order.
/// </summary>
public static class SeriesColors
{
    public static readonly string[] Palette =
        ["#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#ff9da7", "#79706e"];

    public static string[] For(IReadOnlyList<string> names)
    {
        var taken = new bool[Palette.Length];
        var colours = new string[names.Count];
        for (var i = 0; i < names.Count; i++)
        {
            var index = Index(names[i]);
            for (var tries = 0; tries < Palette.Length && taken[index]; tries++)
            {
                index = (index + 1) % Palette.Length;
            }

            taken[index] = true;
            colours[i] = Palette[index];
        }

        return colours;
    }

    // FNV-1a: string.GetHashCode differs between processes, and a colour must not.
    private static int Index(string name) => (int)(Fnv(name) % (uint)Palette.Length);

    internal static uint Fnv(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash;
    }
}
