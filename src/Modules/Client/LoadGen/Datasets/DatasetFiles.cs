using System.Text.Json;

namespace Aibench.Client.LoadGen.Datasets;

/// <summary>Opening dataset files and wording their errors so that they name the file (and line).</summary>
internal static class DatasetFiles
{
    public static FileStream Open(string path)
    {
        if (Directory.Exists(path))
        {
            throw new DatasetException($"dataset: {path} is a directory, not a file");
        }

        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DatasetException($"dataset: file not found: {path}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DatasetException($"dataset: cannot open {path}: {e.Message}");
        }
    }

    /// <summary>System.Text.Json counts lines and bytes from 0; editors count from 1.</summary>
    public static DatasetException Malformed(string path, JsonException e, string expected)
    {
        var line = (e.LineNumber ?? 0) + 1;
        var column = (e.BytePositionInLine ?? 0) + 1;
        var where = e.Path is { Length: > 1 } jsonPath ? $" (at {jsonPath})" : "";

        // A value of the wrong type is valid JSON; its message would name our internal types, so say what is expected instead.
        return e.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal)
            ? new DatasetException($"{path}:{line}: unexpected value at byte {column} of the line{where}; {expected}")
            : new DatasetException($"{path}:{line}: malformed JSON at byte {column} of the line{where}: {Reason(e.Message)}");
    }

    /// <summary>The exception's own text without the 0-based position it appends.</summary>
    public static string Reason(string message)
    {
        foreach (var marker in new[] { " Path: ", " LineNumber: " })
        {
            var at = message.IndexOf(marker, StringComparison.Ordinal);
            if (at > 0)
            {
                message = message[..at];
            }
        }

        return message.TrimEnd();
    }
}
