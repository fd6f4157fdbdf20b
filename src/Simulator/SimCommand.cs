using System.CommandLine;
using System.Globalization;
using Aibench.Shared.Cli;
using Aibench.Shared.Modules;
using Aibench.Shared.Text;
using Microsoft.Extensions.Hosting;

namespace Aibench.Simulator;

/// <summary><c>aibench sim</c>: a vLLM-compatible inference simulator (see docs/simulator.md).</summary>
internal static class SimCommand
{
    /// <summary>The command as the Host lists it, beside the modules' own.</summary>
    public static readonly ModuleCommand Entry = new("sim", Create);

    public static Command Create()
    {
        var d = new SimOptions();
        var host = new Option<string>("--host") { Description = "Address to listen on.", DefaultValueFactory = _ => d.Host };
        var port = new Option<int>("--port") { Description = "Port; 0 picks a free one and prints it.", DefaultValueFactory = _ => d.Port };
        var model = new Option<string>("--model") { Description = "Served model name.", DefaultValueFactory = _ => d.Model };
        var maxModelLen = new Option<int>("--max-model-len") { Description = "Longest prompt + completion in tokens.", DefaultValueFactory = _
            => d.MaxModelLen };
        var maxNumSeqs = new Option<int>("--max-num-seqs") { Description = "Sequences decoded together; the rest wait.", DefaultValueFactory = _
            => d.MaxNumSeqs };
        var kv = new Option<int>("--kv-cache-tokens") { Description = "KV cache capacity in tokens; overflow preempts.", DefaultValueFactory = _
            => d.KvCacheTokens };
        var prefillBase = Time("--prefill-base", "Fixed cost of a prefill.", d.PrefillBase);
        var prefillPerToken = Time("--prefill-per-token", "Prefill cost per prompt token.", d.PrefillPerToken);
        var decodeBase = Time("--decode-base", "Decode step at batch size 1.", d.DecodeBase);
        var decodePerSeq = Time("--decode-per-seq", "Added to each decode step per running sequence.", d.DecodePerSeq);
        var ttft = new Option<string?>("--ttft") { Description = "Fixed-latency mode: time to first token (e.g. 50ms); no batching effects." };
        var itl = new Option<string?>("--itl") { Description = "Fixed-latency mode: gap between tokens (e.g. 10ms)." };
        var errorRate = new Option<double>("--error-rate") { Description = "Fraction of requests answered with --error-status." };
        var errorStatus = new Option<int>("--error-status") { Description = "Status of injected errors: 500 or 503.", DefaultValueFactory = _
            => d.ErrorStatus };
        var dropRate = new Option<double>("--drop-rate") { Description = "Fraction of streams whose connection is dropped halfway." };
        var startupDelay = new Option<string?>("--startup-delay") { Description = "Answer /health (and requests) only after this long, e.g. 20s." };
        var seed = new Option<int>("--seed") { Description = "Seed of the generated text.", DefaultValueFactory = _ => d.Seed };
        var tokensPerChunk = new Option<int>("--tokens-per-chunk")
            { Description = "Tokens per streamed chunk (vLLM's --stream-interval, or speculative decoding).", DefaultValueFactory = _ => 1 };
        var noTokenize = new Option<bool>("--no-tokenize") { Description = "Serve no /tokenize or /detokenize, like servers other than vLLM." };
        var tokenizer = new Option<string?>("--tokenizer")
            { Description = "A model's tokenizer.json (or its folder) to count and generate with, instead of o200k.", HelpName = "path" };
        // The load generator's calibration starts the simulator as its child: the child must end with its parent even
        // when the parent is killed, and the parent's end closes the child's stdin whatever way it ends.
        var exitOnStdinClose = new Option<bool>("--exit-on-stdin-close") { Description = "Stop when standard input is closed (for a parent process).",
            Hidden = true };

        var command = new Command("sim", "Run a vLLM-compatible inference simulator: OpenAI API, SSE streaming, vLLM's /metrics.")
        {
            host, port, model, maxModelLen, maxNumSeqs, kv, prefillBase, prefillPerToken, decodeBase, decodePerSeq, ttft, itl,
            errorRate, errorStatus, dropRate, startupDelay, seed, tokenizer, noTokenize, tokensPerChunk, exitOnStdinClose,
        };
        command.SetAction(async (parse, ct) =>
        {
            var errors = new List<string>();
            TimeSpan? Duration(Option<string?> option)
            {
                var text = parse.GetValue(option);
                if (text is null) return null;
                if (Aibench.Shared.Text.Duration.TryParse(text, out var value)) return value;
                errors.Add($"{option.Name}: '{text}' is not a duration like 50ms or 2s.");
                return null;
            }

            var options = new SimOptions
            {
                Host = parse.GetValue(host)!,
                Port = parse.GetValue(port),
                Model = parse.GetValue(model)!,
                MaxModelLen = parse.GetValue(maxModelLen),
                MaxNumSeqs = parse.GetValue(maxNumSeqs),
                KvCacheTokens = parse.GetValue(kv),
                PrefillBase = Duration(prefillBase) ?? d.PrefillBase,
                PrefillPerToken = Duration(prefillPerToken) ?? d.PrefillPerToken,
                DecodeBase = Duration(decodeBase) ?? d.DecodeBase,
                DecodePerSeq = Duration(decodePerSeq) ?? d.DecodePerSeq,
                Ttft = Duration(ttft),
                Itl = Duration(itl),
                ErrorRate = parse.GetValue(errorRate),
                ErrorStatus = parse.GetValue(errorStatus),
                DropRate = parse.GetValue(dropRate),
                StartupDelay = Duration(startupDelay) ?? TimeSpan.Zero,
                Seed = parse.GetValue(seed),
                TokenizerPath = parse.GetValue(tokenizer),
                ServeTokenize = !parse.GetValue(noTokenize),
                TokensPerChunk = parse.GetValue(tokensPerChunk),
            };
            if (options.Port is < 0 or > 65535) errors.Add($"--port: {options.Port} is not a port (0 picks a free one).");
            if (options.MaxModelLen < 16) errors.Add("--max-model-len: must be at least 16.");
            if (options.MaxNumSeqs < 1) errors.Add("--max-num-seqs: must be at least 1.");
            if (options.TokensPerChunk is < 1 or > 64) errors.Add("--tokens-per-chunk: must be between 1 and 64.");
            if (options.KvCacheTokens < options.MaxModelLen) errors.Add("--kv-cache-tokens: must hold at least one full sequence (--max-model-len).");
            if (options.ErrorRate is < 0 or > 1) errors.Add("--error-rate: must be between 0 and 1.");
            if (options.DropRate is < 0 or > 1) errors.Add("--drop-rate: must be between 0 and 1.");
            if (options.ErrorStatus is not (500 or 503)) errors.Add("--error-status: must be 500 or 503.");
            if (string.IsNullOrWhiteSpace(options.Model) || options.Model.Any(char.IsControl))
                errors.Add("--model: must be a name without control characters.");
            SimServer? server = null;
            if (errors.Count == 0)
            {
                try
                {
                    server = new SimServer(options);
                }
                catch (Aibench.Shared.Tokenizers.TokenizerFileException e)
                {
                    errors.Add($"--tokenizer: {e.Message}");
                }
            }

            if (errors.Count > 0 || server is null)
            {
                foreach (var e in errors) await Console.Error.WriteLineAsync("aibench sim: " + e);
                return ExitCodes.Usage;
            }

            await using var app = server.Build();
            try
            {
                await app.StartAsync(ct);
            }
            catch (IOException e)
            {
                await Console.Error.WriteLineAsync($"aibench sim: cannot listen on {options.Host}:{options.Port}: {e.Message}");
                return ExitCodes.Failure;
            }

            var engine = options.FixedLatency
                ? string.Create(CultureInfo.InvariantCulture, $"fixed latency: ttft {Format(options.Ttft)}, itl {Format(options.Itl)}")
                : string.Create(CultureInfo.InvariantCulture,
                    $"batching: max-num-seqs {options.MaxNumSeqs}, kv cache {options.KvCacheTokens} tokens");
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"aibench sim listening on {SimServer.Address(app)} (model {options.Model}, {engine})"));
            Console.Out.Flush();
            if (parse.GetValue(exitOnStdinClose))
            {
                var lifetime = app.Lifetime;
                _ = Task.Run(async () =>
                {
                    await using var stdin = Console.OpenStandardInput();
                    await stdin.CopyToAsync(Stream.Null, CancellationToken.None);
                    lifetime.StopApplication();
                }, CancellationToken.None);
            }

            try
            {
                await app.WaitForShutdownAsync(ct);
            }
            catch (OperationCanceledException)
            {
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static string Format(TimeSpan? value) => value is { } v ? Aibench.Shared.Text.Duration.Format(v) : "0ms";

    private static Option<string?> Time(string name, string description, TimeSpan fallback) =>
        new(name) { Description = $"{description} Default {Aibench.Shared.Text.Duration.Format(fallback)}." };
}
