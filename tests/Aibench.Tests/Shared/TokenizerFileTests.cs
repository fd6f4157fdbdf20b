using Aibench.Shared.Tokenizers;
using Aibench.Tests.Infrastructure;

namespace Aibench.Tests.Shared;

/// <summary>A served model's tokenizer.json read as the model counts: pinned against an independent implementation.</summary>
public sealed class TokenizerFileTests
{
    private const string Mixed = "The cluster scheduler placed 1234567 tokens, naïve café — ünïcödé! 你好，世界。\n\n  def f(x):\n\treturn x**2  ";

    // Token ids from transformers.js (@lenml/tokenizers 3.7.2) over the same files, add_special_tokens false.
    public static TheoryData<string, string, int[]> Reference => new()
    {
        { "llama3", "Hello world", [9906, 1917] },
        { "llama3", Mixed, [791, 10879, 29909, 9277, 220, 4513, 10961, 22, 11460, 11, 95980, 588, 53050, 2001, 107268, 38672, 66, 3029, 67, 978, 0,
            118195, 53901, 3922, 102616, 3490, 220, 711, 282, 2120, 997, 862, 865, 334, 17, 256] },
        { "llama3", "I'm here; they'll've DON'T 3.14159", [40, 2846, 1618, 26, 814, 3358, 3077, 45373, 17773, 220, 18, 13, 9335, 2946] },
        { "qwen3", "Hello world", [9707, 1879] },
        { "qwen3", Mixed, [785, 10652, 28809, 9099, 220, 16, 17, 18, 19, 20, 21, 22, 11211, 11, 94880, 586, 51950, 1959, 10489, 77, 37572, 66, 2956,
            128505, 0, 220, 108386, 3837, 99489, 3407, 220, 707, 282, 2075, 982, 853, 856, 334, 17, 256] },
        { "qwen3", "I'm here; they'll've DON'T 3.14159", [40, 2776, 1588, 26, 807, 3278, 3003, 44273, 17323, 220, 18, 13, 16, 19, 16, 20, 24] },
    };

    [Theory]
    [MemberData(nameof(Reference))]
    public async Task Llama3_and_qwen3_files_encode_as_the_reference_implementation_does(string family, string text, int[] expected)
    {
        var file = TokenizerFile.Load(family == "llama3" ? await RealTokenizers.Llama3Async() : await RealTokenizers.Qwen3Async());
        Assert.Equal(expected, file.Encode(text));
        Assert.Equal(expected.Length, file.Count(text));
        Assert.Equal(0, file.SpecialTokensAdded);
        Assert.Equal(text, file.Decode(expected));
        Assert.Matches("^[0-9a-f]{64}$", file.Sha256);
    }

    [Theory]
    [InlineData("Hello world, the cluster 1234 naïve café — 你好")]
    [InlineData("zqx abcde lorem ipsum dolor sit amet")]
    [InlineData("  leading spaces and\ttabs\nnew lines  ")]
    public async Task A_sentencepiece_model_encodes_as_spm_encode_does_and_adds_its_bos(string text)
    {
        var model = await RealTokenizers.SentencePieceAsync();
        var file = TokenizerFile.Load(model);
        // spm_encode reads a line: only what it sees is compared.
        var line = text.Split('\n')[0];
        Assert.Equal(await RealTokenizers.SpmEncodeAsync(model, line), file.Encode(line));
        Assert.Equal(1, file.SpecialTokensAdded);
        Assert.True(file.PieceWords()!.Length > 1000);
    }

    [Fact]
    public async Task A_template_post_processor_adds_its_special_tokens_to_the_count()
    {
        var file = TokenizerFile.Load(await RealTokenizers.Llama3WithBosAsync());
        Assert.Equal(1, file.SpecialTokensAdded);
        Assert.Equal(3, file.CountWithSpecials("Hello world"));
        Assert.Equal("<|begin_of_text|>", file.AddedTokens[128000]);
    }

    [Fact]
    public async Task A_weights_folder_is_read_through_its_tokenizer_json()
    {
        var path = await RealTokenizers.Qwen3Async();
        Assert.Equal(TokenizerFile.Load(path).Sha256, TokenizerFile.Load(Path.GetDirectoryName(path)!).Sha256);
    }

    [Theory]
    [InlineData("missing", "no such file")]
    [InlineData("empty-folder", "a folder without tokenizer.json")]
    [InlineData("not-json", "not JSON (line 1")]
    [InlineData("wordpiece", "model.type is 'WordPiece'")]
    [InlineData("sentencepiece", "not a SentencePiece BPE model")]
    [InlineData("metaspace", "not a byte-level BPE")]
    [InlineData("merge-order", "merge order differs from its id order")]
    [InlineData("no-split", "no Split pre-tokenizer")]
    public void Unusable_files_are_refused_naming_the_file_and_the_problem(string kind, string expected)
    {
        var dir = Directory.CreateTempSubdirectory("aibench-test-tokenizer-").FullName;
        try
        {
            var path = Path.Combine(dir, kind == "sentencepiece" ? "tokenizer.model" : "tokenizer.json");
            const string Split = """{"type":"Split","pattern":{"Regex":" ?\\p{L}+|\\s+"},"behavior":"Isolated","invert":false}""";
            string? content = kind switch
            {
                "not-json" => "{ this is not json",
                "wordpiece" => """{"model":{"type":"WordPiece","vocab":{}}}""",
                "sentencepiece" => "binary",
                "metaspace" => """
                    {"pre_tokenizer":{"type":"Metaspace"},"decoder":{"type":"Metaspace"},
                     "model":{"type":"BPE","vocab":{"a":0},"merges":[]}}
                    """,
                "merge-order" => "{\"pre_tokenizer\":{\"type\":\"Sequence\",\"pretokenizers\":[" + Split
                    + ",{\"type\":\"ByteLevel\"}]},\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0,\"b\":1,\"c\":2,\"ab\":4,\"bc\":3},\"merges\":[\"a "
                        + "b\",\"b c\"]}}",
                "no-split" => """{"pre_tokenizer":{"type":"ByteLevel"},"model":{"type":"BPE","vocab":{"a":0},"merges":[]}}""",
                _ => null,
            };
            if (content is not null) File.WriteAllText(path, content);
            var target = kind == "empty-folder" ? dir : path;

            var e = Assert.Throws<TokenizerFileException>(() => TokenizerFile.Load(target));
            Assert.StartsWith(target, e.Message, StringComparison.Ordinal);
            Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
