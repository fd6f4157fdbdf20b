namespace Aibench.Simulator;

/// <summary>
/// Everything the simulator can be told. The defaults model an 8B model (Llama-3.1-8B class, bf16) on one
/// A100-40GB with vLLM's defaults; docs/simulator.md says where each number comes from.
/// </summary>
internal sealed record SimOptions
{
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 8000;
    public string Model { get; init; } = "sim-model";
    public int MaxModelLen { get; init; } = 8192;
    public int MaxNumSeqs { get; init; } = 256;

    /// <summary>KV cache capacity in tokens: ~18 GB left after weights, at 128 KiB per token.</summary>
    public int KvCacheTokens { get; init; } = 140_000;

    public TimeSpan PrefillBase { get; init; } = TimeSpan.FromMilliseconds(12);
    public TimeSpan PrefillPerToken { get; init; } = TimeSpan.FromMicroseconds(45);
    public TimeSpan DecodeBase { get; init; } = TimeSpan.FromMilliseconds(11);
    public TimeSpan DecodePerSeq { get; init; } = TimeSpan.FromMicroseconds(90);

    /// <summary>Fixed-latency mode: every request gets exactly this TTFT and inter-token gap, no batching effects.</summary>
    public TimeSpan? Ttft { get; init; }

    public TimeSpan? Itl { get; init; }

    public double ErrorRate { get; init; }
    public int ErrorStatus { get; init; } = 500;
    public double DropRate { get; init; }
    public TimeSpan StartupDelay { get; init; } = TimeSpan.Zero;
    public int Seed { get; init; } = 42;

    /// <summary>Serve vLLM's <c>/tokenize</c> and <c>/detokenize</c>; off stands in for servers that have neither (TGI, most gateways).</summary>
    public bool ServeTokenize { get; init; } = true;

    /// <summary>Tokens per streamed chunk (vLLM's <c>--stream-interval</c>, or what speculative decoding yields); 1 as vLLM's default.</summary>
    public int TokensPerChunk { get; init; } = 1;

    /// <summary>Answer <c>return_token_strs</c> as newer vLLM does (off: as vLLM 0.6, which ignores it).</summary>
    public bool TokenStrs { get; init; } = true;

    /// <summary>A served model's tokenizer.json to count and generate with, instead of o200k.</summary>
    public string? TokenizerPath { get; init; }

    public bool FixedLatency => Ttft is not null || Itl is not null;
}
