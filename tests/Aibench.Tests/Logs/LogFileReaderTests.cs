using System.Text;
using Aibench.Logs.Tailing;

namespace Aibench.Tests.Logs;

public sealed class LogFileReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aibench-test-tail-").FullName;

    private string Path(string name = "task-0.out") => System.IO.Path.Combine(_dir, name);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_partial_last_line_waits_for_its_newline()
    {
        File.WriteAllText(Path(), "one\ntw");
        var first = LogFileReader.Read(Path(), TailState.Start);
        Assert.Equal(["one"], first.Lines);

        File.AppendAllText(Path(), "o\nthree\n");
        var second = LogFileReader.Read(Path(), first.State);
        Assert.Equal(["two", "three"], second.Lines);
        Assert.Equal(new FileInfo(Path()).Length, second.State.Offset);
        Assert.Empty(LogFileReader.Read(Path(), second.State).Lines);
    }

    [Fact]
    public void A_truncated_file_is_read_again_from_the_start()
    {
        File.WriteAllText(Path(), "a long first line\nsecond\n");
        var before = LogFileReader.Read(Path(), TailState.Start);
        File.WriteAllText(Path(), "new\n");

        var after = LogFileReader.Read(Path(), before.State);

        Assert.True(after.Restarted);
        Assert.Equal(["new"], after.Lines);
    }

    [Fact]
    public void A_replaced_file_of_the_same_length_or_longer_is_read_again_from_the_start()
    {
        File.WriteAllText(Path(), "first version\n");
        var before = LogFileReader.Read(Path(), TailState.Start);
        File.Delete(Path());
        File.WriteAllText(Path(), "other version\nand more\n");

        var after = LogFileReader.Read(Path(), before.State);

        Assert.True(after.Restarted);
        Assert.Equal(["other version", "and more"], after.Lines);
    }

    [Fact]
    public void Growing_a_file_is_not_mistaken_for_a_replacement()
    {
        File.WriteAllText(Path(), "x\n");
        var state = LogFileReader.Read(Path(), TailState.Start).State;
        for (var i = 0; i < 100; i++)
        {
            File.AppendAllText(Path(), new string('y', 10) + "\n");
            var read = LogFileReader.Read(Path(), state);
            Assert.False(read.Restarted);
            Assert.Single(read.Lines);
            state = read.State;
        }
    }

    [Fact]
    public void A_one_megabyte_line_is_cut_with_a_marker_and_the_next_line_is_kept()
    {
        File.WriteAllText(Path(), new string('z', 1024 * 1024) + "\nafter\n");

        var read = LogFileReader.Read(Path(), TailState.Start);

        Assert.Equal(2, read.Lines.Count);
        Assert.EndsWith("[aibench: line cut at 64 KiB]", read.Lines[0]);
        Assert.True(read.Lines[0].Length < LogFileReader.MaxLineBytes + 100);
        Assert.Equal("after", read.Lines[1]);
    }

    [Fact]
    public void A_long_line_written_in_pieces_is_cut_once()
    {
        File.WriteAllText(Path(), new string('a', 70 * 1024));
        var first = LogFileReader.Read(Path(), TailState.Start);
        File.AppendAllText(Path(), new string('b', 10 * 1024) + "\nnext\n");
        var second = LogFileReader.Read(Path(), first.State);

        Assert.Single(first.Lines);
        Assert.Equal(["next"], second.Lines);
    }

    [Fact]
    public void Binary_garbage_becomes_replacement_characters_not_an_error()
    {
        File.WriteAllBytes(Path(), [0xff, 0xfe, 0x00, 0x1b, (byte)'o', (byte)'k', 0xc3, (byte)'\n']);

        var line = Assert.Single(LogFileReader.Read(Path(), TailState.Start).Lines);

        Assert.Contains("ok", line);
        Assert.DoesNotContain(line, c => char.IsControl(c));
    }

    [Fact]
    public void A_file_that_vanishes_keeps_its_state_and_says_so()
    {
        File.WriteAllText(Path(), "x\n");
        var state = LogFileReader.Read(Path(), TailState.Start).State;
        File.Delete(Path());

        var read = LogFileReader.Read(Path(), state);

        Assert.True(read.Missing);
        Assert.Empty(read.Lines);
        Assert.Equal(state, read.State);
    }

    [Fact]
    public void Levels_times_and_tracebacks_are_recognised()
    {
        var entries = LineParser.Parse(
        [
            "INFO 11-27 03:04:05 [api_server.py:1] Started server process",
            "2026-11-27 03:04:06,250 - vllm.engine - WARNING - KV cache is almost full",
            "Traceback (most recent call last):",
            "  File \"/app/x.py\", line 3, in <module>",
            "    main()",
            "RuntimeError: CUDA out of memory",
            "plain line",
        ], 2026);

        Assert.Equal(4, entries.Count);
        Assert.Equal(("info", new DateTimeOffset(2026, 11, 27, 3, 4, 5, TimeSpan.Zero)), (entries[0].Level, entries[0].Timestamp!.Value));
        Assert.Equal(("warning", new DateTimeOffset(2026, 11, 27, 3, 4, 6, 250, TimeSpan.Zero)), (entries[1].Level, entries[1].Timestamp!.Value));
        Assert.Equal("error", entries[2].Level);
        Assert.Equal(4, entries[2].Text.Split('\n').Length);
        Assert.EndsWith("RuntimeError: CUDA out of memory", entries[2].Text);
        Assert.Equal((null, (DateTimeOffset?)null), (entries[3].Level, entries[3].Timestamp));
    }

    [Fact]
    public void Secrets_are_masked()
    {
        Assert.Equal("token=**** ok", Redactor.Apply("token=hf_abcdefghijkl ok", ["hf_abcdefghijkl", "x"]));
        Assert.Equal("x marks", Redactor.Apply("x marks", ["x"]));
    }

    [Fact]
    public void Only_the_new_bytes_are_decoded_even_in_a_large_file()
    {
        var text = new StringBuilder();
        for (var i = 0; i < 200_000; i++) text.Append("line ").Append(i).Append('\n');
        File.WriteAllText(Path(), text.ToString());
        var state = TailState.Start;
        var total = 0;
        while (true)
        {
            var read = LogFileReader.Read(Path(), state, maxBytes: 256 * 1024);
            if (read.Lines.Count == 0) break;
            total += read.Lines.Count;
            state = read.State;
        }

        Assert.Equal(200_000, total);
    }
}
