using System.Runtime.InteropServices;

namespace Aibench.Client.LoadGen;

/// <summary>Why a request did not complete. Stored as a byte; append only.</summary>
internal enum RequestError : byte
{
    None = 0,
    /// <summary>The server answered with a non-2xx status.</summary>
    Http = 1,
    /// <summary>No complete answer within the request timeout.</summary>
    Timeout = 2,
    /// <summary>The connection could not be made.</summary>
    Connect = 3,
    /// <summary>The connection closed before the answer was complete.</summary>
    Disconnect = 4,
    /// <summary>The answer was not what the OpenAI API sends (wrong content type, broken JSON or SSE).</summary>
    BadStream = 5,
    /// <summary>Still in flight when the run was cancelled; not counted.</summary>
    Cancelled = 6,
}

/// <summary>
/// Everything measured about one request. Times are microseconds from the run's start on one monotonic clock;
/// -1 marks "did not happen". Token counts: Server* are the server's <c>usage</c> (-1 when it sent none), the others
/// the client's own tokenizer count.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct RequestRecord
{
    public long Index;
    public long ScheduledUs;
    public long SentUs;
    public long FirstTokenUs;

    /// <summary>
    /// Arrival of the last chunk with content; -1 when none came, or when the record was stored before aibench kept it
    /// (it then reads as unknown, and <see cref="LastTokenOrEndUs"/> falls back to the end of the answer).
    /// </summary>
    public long LastTokenUs;
    public long EndUs;
    public int InputTokens;
    public int ServerInputTokens;
    public int OutputTokens;
    public int ServerOutputTokens;
    public int Chunks;
    public short HttpStatus;
    public short Step;
    public byte Endpoint;
    public RequestError Error;
    public bool Warmup;

    public readonly bool Ok => Error == RequestError.None;

    public readonly int EffectiveInputTokens => ServerInputTokens >= 0 ? ServerInputTokens : InputTokens;

    public readonly int EffectiveOutputTokens => ServerOutputTokens >= 0 ? ServerOutputTokens : OutputTokens;

    public readonly long? TtftUs => FirstTokenUs >= 0 ? FirstTokenUs - ScheduledUs : null;

    public readonly long E2eUs => EndUs - ScheduledUs;

    /// <summary>
    /// The last content chunk's arrival when recorded, else the end of the answer (which also waited for the usage
    /// chunk and <c>data: [DONE]</c>): what vLLM bench calls the end of a request and GuideLLM its last token iteration.
    /// </summary>
    public readonly long LastTokenOrEndUs => LastTokenUs >= 0 && FirstTokenUs >= 0 && LastTokenUs >= FirstTokenUs ? LastTokenUs : EndUs;

    public readonly long LagUs => SentUs - ScheduledUs;

    /// <summary>(E2E − TTFT) / (output tokens − 1): the decode speed one user sees.</summary>
    public readonly double? TpotUs => TtftUs is { } ttft && EffectiveOutputTokens > 1
        ? (double)(E2eUs - ttft) / (EffectiveOutputTokens - 1)
        : null;

    /// <summary>
    /// (last token − first token) / (output tokens − 1): the mean gap between a request's tokens, as GuideLLM's
    /// per-request inter-token latency; unlike <see cref="TpotUs"/> it leaves out the wait for the end of the answer.
    /// </summary>
    public readonly double? ItlUs => FirstTokenUs >= 0 && EffectiveOutputTokens > 1
        ? (double)(LastTokenOrEndUs - FirstTokenUs) / (EffectiveOutputTokens - 1)
        : null;

    public readonly string ErrorLabel => Error switch
    {
        RequestError.None => "",
        RequestError.Http => $"http_{HttpStatus}",
        _ => Error.ToString().ToLowerInvariant() switch { "badstream" => "bad_stream", var s => s },
    };
}
