using System.Text.Json;
using Aibench.Client.LoadGen;
using Aibench.Client.LoadGen.Datasets;

namespace Aibench.Tests.Client;

public sealed class DatasetTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "aibench-datasets-" + Guid.NewGuid().ToString("N"));

    public DatasetTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static int Tokens(string text) => TokenCounter.Shared.Count(text);

    private static List<PromptItem> Items(PromptSet set) => [.. Enumerable.Range(0, set.Count).Select(i => set[i])];

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static string Conversation(string human, string gpt) =>
        JsonSerializer.Serialize(new { id = "x", conversations = new[] { new { from = "human", value = human }, new { from = "gpt", value = gpt } }
            });

    private static string Words(int n) => string.Join(' ', Enumerable.Repeat("hello", n));

    [Fact]
    public void Random_prompts_have_the_requested_token_counts()
    {
        var set = DatasetLoader.Load("random:input=512,output=128,count=50", "completions", seed: 1, Ct);

        Assert.Equal(50, set.Count);
        Assert.All(Items(set), item =>
        {
            Assert.NotNull(item.Prompt);
            Assert.Null(item.Messages);
            Assert.Equal(512, Tokens(item.Prompt));
            Assert.Equal(512, item.InputTokens);
            Assert.Equal(128, item.MaxTokens);
        });
        Assert.Equal("random: input 512, output 128, 50 prompts", set.Description);
    }

    [Fact]
    public void Random_prompts_default_to_a_thousand()
    {
        var set = DatasetLoader.Load("random:input=16,output=8", "completions", seed: 1, Ct);

        Assert.Equal(1000, set.Count);
        Assert.Equal("random: input 16, output 8, 1,000 prompts", set.Description);
    }

    [Fact]
    public void Uniform_lengths_stay_within_the_inclusive_range_and_reach_both_ends()
    {
        var items = Items(DatasetLoader.Load("random:input=10-14,output=3-5,count=400", "completions", seed: 7, Ct));

        Assert.All(items, item =>
        {
            Assert.InRange(item.InputTokens, 10, 14);
            Assert.Equal(item.InputTokens, Tokens(item.Prompt!));
            Assert.InRange(item.MaxTokens, 3, 5);
        });
        Assert.Equal([10, 11, 12, 13, 14], items.Select(i => i.InputTokens).Distinct().Order());
        Assert.Equal([3, 4, 5], items.Select(i => i.MaxTokens).Distinct().Order());
    }

    [Fact]
    public void Normal_lengths_are_centered_on_the_mean_with_the_given_spread()
    {
        var items = Items(DatasetLoader.Load("random:input=200~20,output=100~10,count=2000", "completions", seed: 3, Ct));

        var inputs = items.Select(i => (double)i.InputTokens).ToList();
        var mean = inputs.Average();
        var stddev = Math.Sqrt(inputs.Sum(x => (x - mean) * (x - mean)) / inputs.Count);
        Assert.InRange(mean, 196, 204);
        Assert.InRange(stddev, 17, 23);
        Assert.InRange(items.Average(i => i.MaxTokens), 98, 102);
        Assert.All(items, item => Assert.Equal(item.InputTokens, Tokens(item.Prompt!)));
    }

    [Fact]
    public void Normal_lengths_are_never_below_one()
    {
        var items = Items(DatasetLoader.Load("random:input=2~50,output=1~50,count=300", "completions", seed: 3, Ct));

        Assert.All(items, item => Assert.True(item.InputTokens >= 1 && item.MaxTokens >= 1));
    }

    [Fact]
    public void A_shared_prefix_starts_every_prompt_and_counts_towards_the_input()
    {
        var items = Items(DatasetLoader.Load("random:input=100,output=10,prefix=60,count=20", "completions", seed: 5, Ct));

        var prefix = string.Concat(items[0].Prompt!.Split(' ', StringSplitOptions.None).Take(61).Select(w => w.Length == 0 ? "" : " " + w));
        Assert.Equal(60, Tokens(prefix));
        Assert.All(items, item =>
        {
            Assert.StartsWith(prefix, item.Prompt!, StringComparison.Ordinal);
            Assert.Equal(100, Tokens(item.Prompt!));
        });
        Assert.True(items.Select(i => i.Prompt).Distinct().Count() > 1, "prompts differ after the prefix");
    }

    [Fact]
    public void The_same_seed_gives_the_same_prompts_and_another_seed_different_ones()
    {
        const string spec = "random:input=64-128,output=16~4,count=30";
        var first = Items(DatasetLoader.Load(spec, "completions", seed: 42, Ct));
        var again = Items(DatasetLoader.Load(spec, "completions", seed: 42, Ct));
        var other = Items(DatasetLoader.Load(spec, "completions", seed: 43, Ct));

        Assert.Equal(first.Select(i => (i.Prompt, i.MaxTokens)), again.Select(i => (i.Prompt, i.MaxTokens)));
        Assert.NotEqual(first.Select(i => i.Prompt), other.Select(i => i.Prompt));
    }

    [Fact]
    public void The_chat_api_gets_a_single_user_message()
    {
        var items = Items(DatasetLoader.Load("random:input=32,output=8,count=5", "chat", seed: 1, Ct));

        Assert.All(items, item =>
        {
            Assert.Null(item.Prompt);
            var turn = Assert.Single(item.Messages!);
            Assert.Equal("user", turn.Role);
            Assert.Equal(32, Tokens(turn.Content));
            Assert.Equal(32, item.InputTokens);
        });
    }

    [Fact]
    public void Sharegpt_takes_the_first_human_turn_and_filters_like_vllm()
    {
        var entries = new[]
        {
            Conversation(Words(10), Words(20)),
            Conversation("hi", Words(20)), // prompt under 4 tokens
            Conversation(Words(10), "ok"), // output under 4 tokens
            Conversation(Words(1100), Words(10)), // prompt over 1024 tokens
            Conversation(Words(1000), Words(1100)), // together over 2048 tokens
            """{"conversations": [{"from": "human", "value": "only one turn here"}]}""",
            """{"conversations": [{"from": "system", "value": "be brief"}, {"from": "human", "value": "what is the answer to this"}, """
                + """{"from": "gpt", "value": "it is forty two, as always"}]}""",
            """{"id": "no-conversations"}""",
        };
        var path = Write("sg.json", "[\n" + string.Join(",\n", entries) + "\n]");

        var set = DatasetLoader.Load("sharegpt:" + path, "completions", seed: 1, Ct);

        Assert.Equal(2, set.Count);
        Assert.Equal("sharegpt: sg.json (2 prompts, 6 skipped)", set.Description);
        var items = Items(set);
        var hello = Assert.Single(items, i => i.Prompt == Words(10));
        Assert.Equal(Tokens(Words(10)), hello.InputTokens);
        Assert.Equal(Tokens(Words(20)), hello.MaxTokens);
        var answer = Assert.Single(items, i => i.Prompt == "what is the answer to this");
        Assert.Equal(Tokens("it is forty two, as always"), answer.MaxTokens);
    }

    [Fact]
    public void Sharegpt_order_is_shuffled_by_the_seed()
    {
        var path = Write("sg.json", "["
            + string.Join(",", Enumerable.Range(1, 40).Select(i => Conversation($"question number {i} please answer", Words(5 + i)))) + "]");

        string Order(int seed) => string.Join("|",
            Items(DatasetLoader.Load("sharegpt:" + path, "chat", seed, Ct)).Select(i => i.Messages![0].Content));

        Assert.Equal(Order(1), Order(1));
        Assert.NotEqual(Order(1), Order(2));
        Assert.Equal(40, DatasetLoader.Load("sharegpt:" + path, "chat", 1, Ct).Count);
    }

    [Fact]
    public void Malformed_sharegpt_json_names_the_file_and_line()
    {
        var path = Write("bad.json", "[\n" + Conversation(Words(10), Words(10)) + ",\n{\"conversations\": [oops]}\n]");

        var e = Assert.Throws<DatasetException>(() => DatasetLoader.Load("sharegpt:" + path, "completions", 1, Ct));

        Assert.StartsWith(path + ":3:", e.Message, StringComparison.Ordinal);
        Assert.Contains("malformed JSON", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sharegpt_value_of_the_wrong_type_names_the_line_and_the_expected_shape()
    {
        var path = Write("typed.json", "[\n" + Conversation(Words(10), Words(10))
            + ",\n{\"conversations\": [{\"from\": \"human\", \"value\": 3}]}\n]");

        var e = Assert.Throws<DatasetException>(() => DatasetLoader.Load("sharegpt:" + path, "completions", 1, Ct));

        Assert.StartsWith(path + ":3:", e.Message, StringComparison.Ordinal);
        Assert.Contains("$[1].conversations[0].value", e.Message, StringComparison.Ordinal);
        Assert.Contains("ShareGPT is an array of", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sharegpt_without_usable_entries_says_so()
    {
        var path = Write("short.json", "[" + Conversation("hi", "yo") + "]");

        var e = Assert.Throws<DatasetException>(() => DatasetLoader.Load("sharegpt:" + path, "completions", 1, Ct));

        Assert.Contains("no usable conversations", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Jsonl_reads_prompts_and_messages_in_file_order()
    {
        var path = Write("good.jsonl", string.Join("\n",
            """{"prompt": "Tell me a story about a cat", "max_tokens": 128}""",
            "",
            "   ",
            """{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Why is the sky blue?"}], "max_tokens": 64}""",
            """{"prompt": "Third", "max_tokens": 1, "extra": true}""") + "\r\n");

        var completions = Items(DatasetLoader.Load("jsonl:" + path, "completions", seed: 1, Ct));
        Assert.Equal(3, completions.Count);
        Assert.Equal("Tell me a story about a cat", completions[0].Prompt);
        Assert.Equal(128, completions[0].MaxTokens);
        Assert.Equal(Tokens("Tell me a story about a cat"), completions[0].InputTokens);
        Assert.Equal("system: Be brief.\nuser: Why is the sky blue?\nassistant:", completions[1].Prompt);
        Assert.Equal(Tokens(completions[1].Prompt!), completions[1].InputTokens);
        Assert.Equal(64, completions[1].MaxTokens);
        Assert.Equal("Third", completions[2].Prompt);

        var chat = DatasetLoader.Load("jsonl:" + path, "chat", seed: 1, Ct);
        Assert.Equal("jsonl: good.jsonl (3 prompts)", chat.Description);
        Assert.Equal([new ChatTurn("user", "Tell me a story about a cat")], chat[0].Messages!);
        Assert.Null(chat[0].Prompt);
        Assert.Equal([new ChatTurn("system", "Be brief."), new ChatTurn("user", "Why is the sky blue?")], chat[1].Messages!);
        Assert.Equal(Tokens("Be brief.") + Tokens("Why is the sky blue?"), chat[1].InputTokens);
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[1, 2]", "expected a JSON object")]
    [InlineData("""{"max_tokens": 5}""", "'prompt'")]
    [InlineData("""{"prompt": "a", "messages": [], "max_tokens": 5}""", "both 'prompt' and 'messages'")]
    [InlineData("""{"prompt": "a"}""", "'max_tokens' is missing")]
    [InlineData("""{"prompt": "a", "max_tokens": 0}""", "'max_tokens' must be a positive integer")]
    [InlineData("""{"prompt": "a", "max_tokens": -3}""", "'max_tokens' must be a positive integer")]
    [InlineData("""{"prompt": "a", "max_tokens": 1.5}""", "'max_tokens' must be a positive integer")]
    [InlineData("""{"prompt": "a", "max_tokens": "12"}""", "'max_tokens' must be a positive integer")]
    [InlineData("""{"prompt": 7, "max_tokens": 5}""", "'prompt' must be a non-empty string")]
    [InlineData("""{"prompt": "", "max_tokens": 5}""", "'prompt' must be a non-empty string")]
    [InlineData("""{"messages": "hi", "max_tokens": 5}""", "'messages' must be a non-empty array")]
    [InlineData("""{"messages": [], "max_tokens": 5}""", "'messages' must be a non-empty array")]
    [InlineData("""{"messages": ["hi"], "max_tokens": 5}""", "'messages[0]' must be an object")]
    [InlineData("""{"messages": [{"role": "user", "content": "a"}, {"content": "b"}], "max_tokens": 5}""", "'messages[1].role' is missing")]
    [InlineData("""{"messages": [{"role": "user", "content": 3}], "max_tokens": 5}""", "'messages[0].content' must be a string")]
    public void A_bad_jsonl_line_is_reported_with_its_line_number_and_field(string badLine, string reason)
    {
        var path = Write("bad.jsonl", string.Join("\n",
            """{"prompt": "fine", "max_tokens": 5}""",
            "",
            """{"messages": [{"role": "user", "content": "fine too"}], "max_tokens": 5}""",
            badLine,
            """{"prompt": "after", "max_tokens": 5}"""));

        var e = Assert.Throws<DatasetException>(() => DatasetLoader.Load("jsonl:" + path, "chat", 1, Ct));

        Assert.StartsWith(path + ":4: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_jsonl_file_is_an_error()
    {
        var path = Write("empty.jsonl", "\n\n");

        var e = Assert.Throws<DatasetException>(() => DatasetLoader.Load("jsonl:" + path, "chat", 1, Ct));

        Assert.Contains("no prompts", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sharegpt")]
    [InlineData("jsonl")]
    public void A_missing_file_is_named(string kind)
    {
        var path = Path.Combine(_dir, "nope", "missing.json");

        var e = Assert.Throws<DatasetException>(() => DatasetLoader.Load($"{kind}:{path}", "completions", 1, Ct));

        Assert.Contains("not found", e.Message, StringComparison.Ordinal);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("random:input=512,output=128")]
    [InlineData("random: input=256-1024, output=128~32, prefix=64, count=10000")]
    [InlineData("random:input=512~0,output=1")]
    [InlineData("sharegpt:/data/ShareGPT_V3.json")]
    [InlineData("jsonl:prompts.jsonl")]
    public void Good_specs_pass_the_syntax_check(string spec) => Assert.Null(DatasetLoader.CheckSyntax(spec));

    [Theory]
    [InlineData("", "empty")]
    [InlineData("random", "needs 'input'")]
    [InlineData("random:input=512", "needs 'output'")]
    [InlineData("random:inptu=512,output=128", "unknown option 'inptu' (expected input, output, prefix, count)")]
    [InlineData("random:input=512,output=128,", "empty option")]
    [InlineData("random:input,output=128", "'input' needs a value")]
    [InlineData("random:input=512,input=256,output=128", "'input' is given twice")]
    [InlineData("random:input=0,output=128", "input must be positive")]
    [InlineData("random:input=-5,output=128", "input must be positive")]
    [InlineData("random:input=512,output=-1", "output must be positive")]
    [InlineData("random:input=abc,output=128", "input=abc is not a length")]
    [InlineData("random:input=5.5,output=128", "input=5.5 is not a length")]
    [InlineData("random:input=1024-256,output=128", "empty range")]
    [InlineData("random:input=512~-3,output=128", "not a length")]
    [InlineData("random:input=512,output=128,count=0", "count must be positive")]
    [InlineData("random:input=512,output=128,count=100001", "count must be at most 100,000")]
    [InlineData("random:input=512,output=128,count=many", "count 'many' is not a whole number")]
    [InlineData("random:input=64,output=128,prefix=64", "must be longer than prefix=64")]
    [InlineData("random:input=32-128,output=128,prefix=64", "must be longer than prefix=64")]
    [InlineData("random:input=512,output=128,prefix=0", "prefix must be positive")]
    [InlineData("random:input=100000,output=128,count=1000", "lower count or input")]
    [InlineData("sharegpt:", "sharegpt needs a file path")]
    [InlineData("jsonl:  ", "jsonl needs a file path")]
    [InlineData("huggingface:foo", "unknown kind 'huggingface'")]
    public void Bad_specs_fail_the_syntax_check_with_a_reason(string spec, string reason)
    {
        var message = DatasetLoader.CheckSyntax(spec);

        Assert.NotNull(message);
        Assert.StartsWith("dataset: ", message, StringComparison.Ordinal);
        Assert.Contains(reason, message, StringComparison.Ordinal);
        var e = Assert.Throws<DatasetException>(() => DatasetLoader.Load(spec, "completions", 1, Ct));
        Assert.Equal(message, e.Message);
    }
}
