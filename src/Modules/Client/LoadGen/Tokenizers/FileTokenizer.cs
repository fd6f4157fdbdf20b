using System.Collections.Concurrent;
using Aibench.Shared.Tokenizers;

namespace Aibench.Client.LoadGen.Tokenizers;

/// <summary>The served model's <c>tokenizer.json</c> from its weights folder: works offline and on SLURM workers.</summary>
internal sealed class FileTokenizer : PromptTokenizer
{
    // Loading a 10–20 MB file takes a second or two; the same file is read once per process (keyed by path, size, mtime).
    private static readonly ConcurrentDictionary<(string Path, long Length, DateTime Modified), Lazy<FileTokenizer>> Cache = new();

    private readonly TokenizerFile _file;
    private readonly Lazy<string[]> _words;

    private FileTokenizer(TokenizerFile file)
    {
        _file = file;
        _words = new Lazy<string[]>(() => file.PieceWords() is { Length: > 1000 } pieces ? pieces
            : FindWords(file.Tokenizer, file.VocabSize, Source));
        _leading = new Lazy<int>(() => Math.Max(0, file.Count(_words.Value[0]) - 1));
    }

    private readonly Lazy<int> _leading;

    public override int LeadingTokens => _leading.Value;

    public override string Source => $"file:{_file.Sha256}";

    public override int SpecialTokens => _file.SpecialTokensAdded;

    public override int CountLocal(string text) => _file.Count(text);

    public override ValueTask<string[]> WordsAsync(CancellationToken ct) => ValueTask.FromResult(_words.Value);

    /// <summary>Loads (or reuses) the file; a bad file is a <see cref="TokenizerFileException"/> naming it.</summary>
    public static FileTokenizer Load(string path)
    {
        path = Datasets.DatasetLoader.ExpandHome(path);
        var file = Directory.Exists(path) ? Path.Combine(path, "tokenizer.json") : path;
        var info = new FileInfo(file);
        if (!info.Exists)
        {
            // Let the loader word the error (a folder without the file, or no such path).
            return new FileTokenizer(TokenizerFile.Load(path));
        }

        var key = (info.FullName, info.Length, info.LastWriteTimeUtc);
        var lazy = Cache.GetOrAdd(key, _ => new Lazy<FileTokenizer>(() => new FileTokenizer(TokenizerFile.Load(file))));
        try
        {
            return lazy.Value;
        }
        catch (TokenizerFileException)
        {
            // A broken file is not remembered: the user fixes it and tries again.
            Cache.TryRemove(key, out _);
            throw;
        }
    }
}
