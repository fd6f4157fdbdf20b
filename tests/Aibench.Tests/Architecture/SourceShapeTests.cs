using Aibench.Tests.Infrastructure;

namespace Aibench.Tests.Architecture;

/// <summary>
/// Sources a newcomer can read: lines that fit a side-by-side diff, and files short enough to hold one idea. The
/// generated migrations are left out: EF Core writes them, nobody edits them.
/// </summary>
public sealed class SourceShapeTests
{
    /// <summary>The longest line the house style allows (also <c>max_line_length</c> in .editorconfig).</summary>
    private const int MaxLineLength = 150;

    /// <summary>Above this a file has to say at its top why it is better read whole.</summary>
    private const int MaxFileLines = 400;

    /// <summary>The note a long file starts with, within its first ten lines.</summary>
    private const string LongFileNote = "Long file:";

    private static IEnumerable<string> Sources() =>
        new[] { "src", "tests", "bench" }
            .Select(folder => Path.Combine(Repo.Root, folder))
            .Where(Directory.Exists)
            .SelectMany(folder => Directory.EnumerateFiles(folder, "*.*", SearchOption.AllDirectories))
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".razor", StringComparison.Ordinal))
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj" or "Migrations"));

    [Fact]
    public void No_source_line_is_longer_than_150_characters()
    {
        var tooLong = Sources()
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: f, Line: i + 1, line.Length)))
            .Where(l => l.Length > MaxLineLength)
            .Select(l => $"{Path.GetRelativePath(Repo.Root, l.File)}:{l.Line} ({l.Length})")
            .ToList();
        Assert.True(tooLong.Count == 0, $"{tooLong.Count} lines over {MaxLineLength} characters:\n" + string.Join("\n", tooLong.Take(50)));
    }

    [Fact]
    public void No_source_file_is_over_400_lines_without_a_note_at_its_top_saying_why()
    {
        var unexplained = Sources()
            .Select(f => (File: f, Lines: File.ReadLines(f).ToList()))
            .Where(f => f.Lines.Count > MaxFileLines && !f.Lines.Take(10).Any(l => l.Contains(LongFileNote, StringComparison.Ordinal)))
            .Select(f => $"{Path.GetRelativePath(Repo.Root, f.File)} ({f.Lines.Count} lines)")
            .ToList();
        Assert.True(unexplained.Count == 0,
            $"Files over {MaxFileLines} lines without a '{LongFileNote}' note at the top:\n" + string.Join("\n", unexplained));
    }
}
