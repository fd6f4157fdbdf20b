using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace Aibench.Client.LoadGen;

/// <summary>Request records in a compact binary form for storage, and as CSV or JSON Lines for people and tools.</summary>
internal static class Exports
{
    /// <summary>2 added the last content chunk's time; format 1 (stored before) still reads, with it unknown.</summary>
    private const byte FormatVersion = 2;

    public static byte[] Encode(IReadOnlyList<RequestRecord> records)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZLibStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var w = new BinaryWriter(zip))
        {
            w.Write(FormatVersion);
            w.Write(records.Count);
            foreach (var r in records)
            {
                w.Write(r.Index);
                w.Write(r.ScheduledUs);
                // Later times as deltas: they are small and compress well.
                w.Write((int)Math.Min(int.MaxValue, r.SentUs - r.ScheduledUs));
                w.Write(r.FirstTokenUs < 0 ? -1 : (int)Math.Min(int.MaxValue, r.FirstTokenUs - r.ScheduledUs));
                w.Write(r.LastTokenUs < 0 ? -1L : r.LastTokenUs - r.ScheduledUs);
                w.Write(r.EndUs - r.ScheduledUs);
                w.Write(r.InputTokens);
                w.Write(r.ServerInputTokens);
                w.Write(r.OutputTokens);
                w.Write(r.ServerOutputTokens);
                w.Write(r.Chunks);
                w.Write(r.HttpStatus);
                w.Write(r.Step);
                w.Write(r.Endpoint);
                w.Write((byte)r.Error);
                w.Write(r.Warmup);
            }
        }

        return buffer.ToArray();
    }

    public static RequestRecord[] Decode(byte[] data)
    {
        using var zip = new ZLibStream(new MemoryStream(data), CompressionMode.Decompress);
        using var r = new BinaryReader(zip);
        var version = r.ReadByte();
        if (version is not (1 or FormatVersion))
        {
            throw new InvalidDataException($"request records in format {version}; this aibench reads formats 1 to {FormatVersion}");
        }

        var records = new RequestRecord[r.ReadInt32()];
        for (var i = 0; i < records.Length; i++)
        {
            ref var x = ref records[i];
            x.Index = r.ReadInt64();
            x.ScheduledUs = r.ReadInt64();
            x.SentUs = x.ScheduledUs + r.ReadInt32();
            var first = r.ReadInt32();
            x.FirstTokenUs = first < 0 ? -1 : x.ScheduledUs + first;
            var last = version >= 2 ? r.ReadInt64() : -1;
            x.LastTokenUs = last < 0 ? -1 : x.ScheduledUs + last;
            x.EndUs = x.ScheduledUs + r.ReadInt64();
            x.InputTokens = r.ReadInt32();
            x.ServerInputTokens = r.ReadInt32();
            x.OutputTokens = r.ReadInt32();
            x.ServerOutputTokens = r.ReadInt32();
            x.Chunks = r.ReadInt32();
            x.HttpStatus = r.ReadInt16();
            x.Step = r.ReadInt16();
            x.Endpoint = r.ReadByte();
            x.Error = (RequestError)r.ReadByte();
            x.Warmup = r.ReadBoolean();
        }

        return records;
    }

    public const string CsvHeader =
        "index,step,endpoint,warmup,scheduled_us,sent_us,first_token_us,end_us,ttft_ms,tpot_ms,e2e_ms,lag_ms," +
        "input_tokens,server_input_tokens,output_tokens,server_output_tokens,chunks,http_status,error,last_token_us,tokenizer";

    /// <summary>One row per request; <paramref name="tokenizer"/> (what counted input_tokens) is repeated on each row so no reader misses
    /// it.</summary>
    public static async Task WriteCsvAsync(IEnumerable<RequestRecord> records, TextWriter writer, CancellationToken ct, string tokenizer = "o200k")
    {
        await writer.WriteLineAsync(CsvHeader);
        var line = new StringBuilder();
        foreach (var r in records)
        {
            ct.ThrowIfCancellationRequested();
            line.Clear();
            var i = CultureInfo.InvariantCulture;
            line.Append(i, $"{r.Index},{r.Step},{r.Endpoint},{(r.Warmup ? 1 : 0)},");
            line.Append(i, $"{r.ScheduledUs},{r.SentUs},{(r.FirstTokenUs < 0 ? "" : r.FirstTokenUs)},{r.EndUs},");
            line.Append(i, $"{Ms(r.TtftUs)},{Ms(r.TpotUs)},{Ms(r.E2eUs)},{Ms(r.LagUs)},");
            line.Append(i, $"{r.InputTokens},{Opt(r.ServerInputTokens)},{r.OutputTokens},{Opt(r.ServerOutputTokens)},");
            line.Append(i, $"{r.Chunks},{(r.HttpStatus == 0 ? "" : r.HttpStatus)},{r.ErrorLabel},");
            // Added columns go last, so the columns that were there before keep their places.
            line.Append(i, $"{(r.LastTokenUs < 0 ? "" : r.LastTokenUs)},{tokenizer}");
            await writer.WriteLineAsync(line);
        }
    }

    public static async Task WriteJsonlAsync(IEnumerable<RequestRecord> records, Stream output, CancellationToken ct, string tokenizer = "o200k")
    {
        var newline = "\n"u8.ToArray();
        foreach (var r in records)
        {
            ct.ThrowIfCancellationRequested();
            await using (var json = new Utf8JsonWriter(output))
            {
                json.WriteStartObject();
                json.WriteNumber("index", r.Index);
                json.WriteNumber("step", r.Step);
                json.WriteNumber("endpoint", r.Endpoint);
                json.WriteBoolean("warmup", r.Warmup);
                json.WriteNumber("scheduled_us", r.ScheduledUs);
                json.WriteNumber("sent_us", r.SentUs);
                if (r.FirstTokenUs >= 0) json.WriteNumber("first_token_us", r.FirstTokenUs);
                else json.WriteNull("first_token_us");
                if (r.LastTokenUs >= 0) json.WriteNumber("last_token_us", r.LastTokenUs);
                else json.WriteNull("last_token_us");
                json.WriteNumber("end_us", r.EndUs);
                WriteMs(json, "ttft_ms", r.TtftUs);
                WriteMs(json, "tpot_ms", r.TpotUs);
                WriteMs(json, "e2e_ms", r.E2eUs);
                WriteMs(json, "lag_ms", r.LagUs);
                json.WriteNumber("input_tokens", r.InputTokens);
                WriteOpt(json, "server_input_tokens", r.ServerInputTokens);
                json.WriteNumber("output_tokens", r.OutputTokens);
                WriteOpt(json, "server_output_tokens", r.ServerOutputTokens);
                json.WriteNumber("chunks", r.Chunks);
                WriteOpt(json, "http_status", r.HttpStatus == 0 ? -1 : r.HttpStatus);
                if (r.Ok) json.WriteNull("error");
                else json.WriteString("error", r.ErrorLabel);
                json.WriteString("tokenizer", tokenizer);
                json.WriteEndObject();
            }

            await output.WriteAsync(newline, ct);
        }
    }

    private static string Ms(double? us) => us is { } v ? (v / 1000).ToString("0.###", CultureInfo.InvariantCulture) : "";

    private static string Opt(int value) => value < 0 ? "" : value.ToString(CultureInfo.InvariantCulture);

    private static void WriteMs(Utf8JsonWriter json, string name, double? us)
    {
        if (us is { } v) json.WriteNumber(name, Math.Round(v / 1000, 3));
        else json.WriteNull(name);
    }

    private static void WriteOpt(Utf8JsonWriter json, string name, int value)
    {
        if (value >= 0) json.WriteNumber(name, value);
        else json.WriteNull(name);
    }
}
