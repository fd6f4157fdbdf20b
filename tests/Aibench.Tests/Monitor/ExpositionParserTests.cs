// Long file: the exposition format's cases side by side (OpenMetrics and Prometheus text, one parser), as the spec
// lists them; split, the same case would be looked for in two places.

using System.Text;
using Aibench.Monitor.Scraping;
using Aibench.Simulator;

namespace Aibench.Tests.Monitor;

public sealed class ExpositionParserTests
{
    private const string Model = "meta-llama/Llama-3.1-8B-Instruct";

    // An excerpt of a real vLLM 0.8 /metrics page (prometheus_client output: labels in declaration order, le last,
    // floats as "3.0", counters with _total and a _created gauge beside them).
    private const string VllmExcerpt = """
        # HELP vllm:num_requests_running Number of requests in model execution batches.
        # TYPE vllm:num_requests_running gauge
        vllm:num_requests_running{model_name="meta-llama/Llama-3.1-8B-Instruct",engine="0"} 3.0
        # HELP vllm:request_success_total Count of successfully processed requests.
        # TYPE vllm:request_success_total counter
        vllm:request_success_total{model_name="meta-llama/Llama-3.1-8B-Instruct",engine="0",finished_reason="stop"} 1528.0
        vllm:request_success_total{model_name="meta-llama/Llama-3.1-8B-Instruct",engine="0",finished_reason="length"} 72.0
        vllm:request_success_total{model_name="meta-llama/Llama-3.1-8B-Instruct",engine="0",finished_reason="abort"} 0.0
        # HELP vllm:time_to_first_token_seconds Histogram of time to first token in seconds.
        # TYPE vllm:time_to_first_token_seconds histogram
        vllm:time_to_first_token_seconds_sum{model_name="meta-llama/Llama-3.1-8B-Instruct",engine="0"} 97.31654357910156
        vllm:time_to_first_token_seconds_bucket{model_name="meta-llama/Llama-3.1-8B-Instruct",engine="0",le="0.001"} 0.0
        vllm:time_to_first_token_seconds_bucket{model_name="meta-llama/Llama-3.1-8B-Instruct",engine="0",le="0.005"} 0.0
        vllm:time_to_first_token_seconds_bucket{model_name="meta-llama/Llama-3.1-8B-Instruct",engine="0",le="0.01"} 2.0
        vllm:time_to_first_token_seconds_bucket{model_name="meta-llama/Llama-3.1-8B-Instruct",engine="0",le="0.02"} 31.0
        vllm:time_to_first_token_seconds_bucket{model_name="meta-llama/Llama-3.1-8B-Instruct",engine="0",le="0.04"} 412.0
        vllm:time_to_first_token_seconds_bucket{model_name="meta-llama/Llama-3.1-8B-Instruct",engine="0",le="0.06"} 1105.0
        vllm:time_to_first_token_seconds_bucket{model_name="meta-llama/Llama-3.1-8B-Instruct",engine="0",le="0.08"} 1390.0
        vllm:time_to_first_token_seconds_bucket{model_name="meta-llama/Llama-3.1-8B-Instruct",engine="0",le="0.1"} 1502.0
        vllm:time_to_first_token_seconds_bucket{model_name="meta-llama/Llama-3.1-8B-Instruct",engine="0",le="0.25"} 1591.0
        vllm:time_to_first_token_seconds_bucket{model_name="meta-llama/Llama-3.1-8B-Instruct",engine="0",le="0.5"} 1600.0
        vllm:time_to_first_token_seconds_bucket{model_name="meta-llama/Llama-3.1-8B-Instruct",engine="0",le="+Inf"} 1600.0
        vllm:time_to_first_token_seconds_count{model_name="meta-llama/Llama-3.1-8B-Instruct",engine="0"} 1600.0
        # HELP vllm:time_to_first_token_seconds_created Histogram of time to first token in seconds.
        # TYPE vllm:time_to_first_token_seconds_created gauge
        vllm:time_to_first_token_seconds_created{model_name="meta-llama/Llama-3.1-8B-Instruct",engine="0"} 1.7329513147536364e+09

        """;

    [Fact]
    public void A_real_vllm_excerpt_yields_every_family_type_bucket_and_value()
    {
        var exposition = ExpositionParser.Parse(VllmExcerpt);

        Assert.Equal(0, exposition.Malformed);
        Assert.Equal(18, exposition.Samples.Count);
        Assert.Equal(
            new Dictionary<string, MetricType>
            {
                ["vllm:num_requests_running"] = MetricType.Gauge,
                ["vllm:request_success_total"] = MetricType.Counter,
                ["vllm:time_to_first_token_seconds"] = MetricType.Histogram,
                ["vllm:time_to_first_token_seconds_created"] = MetricType.Gauge,
            },
            exposition.Types);
        Assert.Equal("Histogram of time to first token in seconds.", exposition.Help["vllm:time_to_first_token_seconds"]);

        var labels = $"{{engine=\"0\",model_name=\"{Model}\"}}";
        Assert.Equal(new ParsedSample("vllm:num_requests_running", labels, 3, null), exposition.Samples[0]);
        Assert.Equal(
            [("stop", 1528.0), ("length", 72.0), ("abort", 0.0)],
            exposition.Samples.Where(s => s.Name == "vllm:request_success_total")
                .Select(s => (LabelText.Parse(s.Labels)["finished_reason"], s.Value)));
        Assert.Equal($"{{engine=\"0\",finished_reason=\"stop\",model_name=\"{Model}\"}}", exposition.Samples[1].Labels);

        var buckets = exposition.Samples.Where(s => s.Name == "vllm:time_to_first_token_seconds_bucket").ToList();
        Assert.Equal(11, buckets.Count);
        Assert.All(buckets, b => Assert.Equal(labels, LabelText.Without(b.Labels, "le")));
        Assert.Equal(
            [(0.001, 0.0), (0.005, 0.0), (0.01, 2.0), (0.02, 31.0), (0.04, 412.0), (0.06, 1105.0), (0.08, 1390.0), (0.1, 1502.0), (0.25, 1591.0),
                (0.5, 1600.0), (double.PositiveInfinity, 1600.0)],
            buckets.Select(b => (Le(b), b.Value)));
        Assert.Equal(97.31654357910156, Single(exposition, "vllm:time_to_first_token_seconds_sum").Value);
        Assert.Equal(1600, Single(exposition, "vllm:time_to_first_token_seconds_count").Value);
        Assert.Equal(1.7329513147536364e+09, Single(exposition, "vllm:time_to_first_token_seconds_created").Value);

        Assert.Equal(MetricType.Histogram, exposition.TypeOf("vllm:time_to_first_token_seconds_bucket"));
        Assert.Equal(MetricType.Histogram, exposition.TypeOf("vllm:time_to_first_token_seconds_sum"));
        Assert.Equal(MetricType.Histogram, exposition.TypeOf("vllm:time_to_first_token_seconds_count"));
        Assert.Equal(MetricType.Gauge, exposition.TypeOf("vllm:time_to_first_token_seconds_created"));
        Assert.Equal(MetricType.Counter, exposition.TypeOf("vllm:request_success_total"));
        Assert.Equal(MetricType.Gauge, exposition.TypeOf("vllm:num_requests_running"));
    }

    [Fact]
    public void The_simulators_vllm_metrics_parse_completely()
    {
        var metrics = new SimMetrics("sim \"model\"");
        foreach (var seconds in new[] { 0.003, 0.03, 0.03, 0.7, 3000 }) metrics.Ttft.Observe(seconds);
        metrics.Itl.Observe(0.02);
        metrics.Tokens(100, 250);
        metrics.Finished("stop");
        metrics.Finished("length");
        metrics.Finished("length");
        metrics.Running = 4;
        metrics.KvCacheUsage = 0.125;
        var text = metrics.Render();

        var exposition = ExpositionParser.Parse(Encoding.UTF8.GetBytes(text));

        Assert.Equal(0, exposition.Malformed);
        Assert.Equal(text.Split('\n').Count(l => l.Length > 0 && !l.StartsWith('#')), exposition.Samples.Count);
        Assert.Equal(15, exposition.Types.Count);
        Assert.Equal(15, exposition.Help.Count);
        Assert.Equal(8, exposition.Types.Values.Count(t => t == MetricType.Histogram));
        Assert.Equal(4, exposition.Types.Values.Count(t => t == MetricType.Counter));
        Assert.Equal(3, exposition.Types.Values.Count(t => t == MetricType.Gauge));
        Assert.All(exposition.Samples, s => Assert.NotEqual(MetricType.Untyped, exposition.TypeOf(s.Name)));

        const string model = "{model_name=\"sim \\\"model\\\"\"}";
        Assert.Equal(4, Single(exposition, "vllm:num_requests_running").Value);
        Assert.Equal(model, Single(exposition, "vllm:num_requests_running").Labels);
        Assert.Equal(0.125, Single(exposition, "vllm:kv_cache_usage_perc").Value);
        Assert.Equal(100, Single(exposition, "vllm:prompt_tokens_total").Value);
        Assert.Equal(250, Single(exposition, "vllm:generation_tokens_total").Value);
        Assert.Equal(2, exposition.Samples.Single(s => s.Name == "vllm:request_success_total"
            && s.Labels.Contains("length", StringComparison.Ordinal)).Value);

        var ttft = exposition.Samples.Where(s => s.Name == "vllm:time_to_first_token_seconds_bucket").ToList();
        Assert.Equal(23, ttft.Count);
        Assert.Equal("{le=\"0.005\",model_name=\"sim \\\"model\\\"\"}", ttft[1].Labels);
        Assert.Equal([0.0, 1.0, 1.0, 1.0, 3.0], ttft.Take(5).Select(b => b.Value));
        Assert.Equal(4, ttft[^2].Value);
        Assert.Equal((double.PositiveInfinity, 5.0), (Le(ttft[^1]), ttft[^1].Value));
        Assert.Equal(5, Single(exposition, "vllm:time_to_first_token_seconds_count").Value);
        Assert.Equal(0.003 + 0.03 + 0.03 + 0.7 + 3000, Single(exposition, "vllm:time_to_first_token_seconds_sum").Value, 9);
        Assert.Equal("sim \"model\"", LabelText.Parse(ttft[0].Labels)["model_name"]);
    }

    [Fact]
    public void Comments_and_blank_lines_are_skipped()
    {
        var exposition = ExpositionParser.Parse("# just a comment\n\n   \n#\n# HELPER not help\nup 1\n\t\n");
        Assert.Equal(0, exposition.Malformed);
        Assert.Equal([new ParsedSample("up", "", 1, null)], exposition.Samples);
        Assert.Empty(exposition.Help);
        Assert.Empty(exposition.Types);
    }

    [Fact]
    public void Help_text_is_unescaped()
    {
        var exposition = ExpositionParser.Parse("# HELP a Backslash \\\\ newline \\n quote \\\" other \\x kept\n# HELP b\n# HELP c   "
            + "ünïcode text \n");
        Assert.Equal(0, exposition.Malformed);
        Assert.Equal("Backslash \\ newline \n quote \" other \\x kept", exposition.Help["a"]);
        Assert.Equal("", exposition.Help["b"]);
        Assert.Equal("ünïcode text ", exposition.Help["c"]);
    }

    [Fact]
    public void Types_are_read_and_families_without_a_type_are_untyped()
    {
        var exposition = ExpositionParser.Parse("""
            # TYPE c counter
            # TYPE g GAUGE
            # TYPE h histogram
            # TYPE s summary
            # TYPE u untyped
            # TYPE om unknown
            c 1
            g 2
            s{quantile="0.5"} 3
            s_sum 4
            s_count 5
            h_count 6
            nothing_declared 7
            g_count 8
            """);
        Assert.Equal(0, exposition.Malformed);
        Assert.Equal(MetricType.Counter, exposition.TypeOf("c"));
        Assert.Equal(MetricType.Gauge, exposition.TypeOf("g"));
        Assert.Equal(MetricType.Summary, exposition.TypeOf("s"));
        Assert.Equal(MetricType.Summary, exposition.TypeOf("s_sum"));
        Assert.Equal(MetricType.Summary, exposition.TypeOf("s_count"));
        Assert.Equal(MetricType.Histogram, exposition.TypeOf("h_count"));
        Assert.Equal(MetricType.Untyped, exposition.TypeOf("u"));
        Assert.Equal(MetricType.Untyped, exposition.TypeOf("om"));
        Assert.Equal(MetricType.Untyped, exposition.TypeOf("nothing_declared"));
        Assert.Equal(MetricType.Untyped, exposition.TypeOf("g_count"));
        Assert.Equal(MetricType.Untyped, exposition.TypeOf("s_bucket"));
        Assert.Equal(MetricType.Untyped, new Exposition().TypeOf("anything"));
    }

    [Fact]
    public void OpenMetrics_counters_and_created_samples_take_their_familys_type()
    {
        var exposition = ExpositionParser.Parse("""
            # TYPE requests counter
            requests_total 10
            requests_created 1.7e9
            # TYPE latency histogram
            latency_bucket{le="+Inf"} 1
            latency_created 1.7e9
            # TYPE temp gauge
            temp_total 1
            # EOF
            """);
        Assert.Equal(0, exposition.Malformed);
        Assert.Equal(MetricType.Counter, exposition.TypeOf("requests_total"));
        Assert.Equal(MetricType.Counter, exposition.TypeOf("requests_created"));
        Assert.Equal(MetricType.Histogram, exposition.TypeOf("latency_created"));
        Assert.Equal(MetricType.Untyped, exposition.TypeOf("temp_total"));
    }

    [Fact]
    public void Escaped_label_values_are_unescaped()
    {
        var exposition = ExpositionParser.Parse("m{path=\"C:\\\\dir\",quote=\"say \\\"hi\\\"\",lines=\"a\\nb\"} 1\n");
        var sample = Assert.Single(exposition.Samples);
        // Canonical text keeps the escapes, sorted by name.
        Assert.Equal("{lines=\"a\\nb\",path=\"C:\\\\dir\",quote=\"say \\\"hi\\\"\"}", sample.Labels);
        var labels = LabelText.Parse(sample.Labels);
        Assert.Equal("C:\\dir", labels["path"]);
        Assert.Equal("say \"hi\"", labels["quote"]);
        Assert.Equal("a\nb", labels["lines"]);
    }

    [Fact]
    public void Commas_and_braces_inside_quoted_values_belong_to_the_value()
    {
        var exposition = ExpositionParser.Parse("m{a=\"x,y}\",b=\"{z}\\\\\"} 2\n");
        var sample = Assert.Single(exposition.Samples);
        Assert.Equal(2, sample.Value);
        var labels = LabelText.Parse(sample.Labels);
        Assert.Equal("x,y}", labels["a"]);
        Assert.Equal("{z}\\", labels["b"]);
    }

    [Fact]
    public void Trailing_commas_blanks_and_label_order_do_not_change_the_canonical_text()
    {
        var exposition = ExpositionParser.Parse("m{b=\"2\",a=\"1\",} 1\nm { a = \"1\" , b=\"2\" } 2\nm{a=\"1\",b=\"2\"} 3\n");
        Assert.Equal(0, exposition.Malformed);
        Assert.All(exposition.Samples, s => Assert.Equal("{a=\"1\",b=\"2\"}", s.Labels));
    }

    [Fact]
    public void An_empty_label_set_and_empty_values_mean_no_labels()
    {
        var exposition = ExpositionParser.Parse("a{} 1\nb 2\nc{x=\"\"} 3\nd{x=\"\",y=\"1\"} 4\n");
        Assert.Equal(0, exposition.Malformed);
        Assert.Equal(["", "", "", "{y=\"1\"}"], exposition.Samples.Select(s => s.Labels));
    }

    [Theory]
    [InlineData("NaN", double.NaN)]
    [InlineData("nan", double.NaN)]
    [InlineData("+Inf", double.PositiveInfinity)]
    [InlineData("-Inf", double.NegativeInfinity)]
    [InlineData("Inf", double.PositiveInfinity)]
    [InlineData("+Infinity", double.PositiveInfinity)]
    [InlineData("1.5e+10", 1.5e10)]
    [InlineData("1.5E-3", 0.0015)]
    [InlineData("-2.5", -2.5)]
    [InlineData(".5", 0.5)]
    [InlineData("1.7976931348623157e+308", double.MaxValue)]
    [InlineData("123456789012345678901234567890", 1.2345678901234568e29)]
    [InlineData("4.9e-324", double.Epsilon)]
    [InlineData("0", 0.0)]
    [InlineData("123456789012345", 123456789012345.0)]
    [InlineData("9007199254740993", 9007199254740992.0)]
    [InlineData("1600.0", 1600.0)]
    public void Special_and_exponent_values_parse(string text, double expected)
    {
        var sample = Assert.Single(ExpositionParser.Parse($"m {text}\n").Samples);
        Assert.Equal(expected, sample.Value);
    }

    [Fact]
    public void Negative_zero_keeps_its_sign()
    {
        var sample = Assert.Single(ExpositionParser.Parse("m -0\n").Samples);
        Assert.True(double.IsNegative(sample.Value));
        Assert.Equal(0, sample.Value);
    }

    [Fact]
    public void Timestamps_are_optional_integer_milliseconds_and_may_be_negative()
    {
        var exposition = ExpositionParser.Parse("a 1 1700000000123\nb{x=\"y\"} 2 -5000\nc 3\nd 4   1700000000000  \n");
        Assert.Equal(0, exposition.Malformed);
        Assert.Equal([1700000000123L, -5000L, null, 1700000000000L], exposition.Samples.Select(s => s.TimestampMs));
    }

    [Fact]
    public void Fractional_timestamps_are_OpenMetrics_seconds()
    {
        var sample = Assert.Single(ExpositionParser.Parse("a 1 1700000000.5\n").Samples);
        Assert.Equal(1700000000500L, sample.TimestampMs);
    }

    [Fact]
    public void OpenMetrics_exemplars_are_ignored()
    {
        var exposition = ExpositionParser.Parse("""
            # TYPE foo histogram
            foo_bucket{le="1"} 3 # {trace_id="abc"} 0.5 1.7e9
            foo_bucket{le="+Inf"} 4 1700000000 # {trace_id="d,e}f"} 2.5
            # EOF
            """);
        Assert.Equal(0, exposition.Malformed);
        Assert.Equal([(3.0, (long?)null), (4.0, (long?)1700000000)], exposition.Samples.Select(s => (s.Value, s.TimestampMs)));
    }

    [Fact]
    public void Nothing_after_eof_is_read()
    {
        var exposition = ExpositionParser.Parse("a 1\n# EOF\nb 2\ngarbage here\n");
        Assert.Equal(0, exposition.Malformed);
        Assert.Equal("a", Assert.Single(exposition.Samples).Name);
    }

    [Fact]
    public void Crlf_line_endings_are_accepted()
    {
        var exposition = ExpositionParser.Parse("# HELP a The help.\r\n# TYPE a gauge\r\na{x=\"1\"} 1\r\nb 2 1000\r\n");
        Assert.Equal(0, exposition.Malformed);
        Assert.Equal("The help.", exposition.Help["a"]);
        Assert.Equal(MetricType.Gauge, exposition.Types["a"]);
        Assert.Equal([("a", "{x=\"1\"}", 1.0, (long?)null), ("b", "", 2.0, (long?)1000)],
            exposition.Samples.Select(s => (s.Name, s.Labels, s.Value, s.TimestampMs)));
    }

    [Fact]
    public void Metric_names_may_hold_colons_and_underscores()
    {
        var exposition = ExpositionParser.Parse("vllm:gpu_cache_usage_perc 0.5\n_private:x_ 1\n:leading 2\n");
        Assert.Equal(0, exposition.Malformed);
        Assert.Equal(["vllm:gpu_cache_usage_perc", "_private:x_", ":leading"], exposition.Samples.Select(s => s.Name));
    }

    [Theory]
    [InlineData("1bad 1", "invalid metric name")]
    [InlineData("bad-name 1", "invalid metric name")]
    [InlineData("m{a=\"unterminated} 1", "unterminated label set")]
    [InlineData("m{a=\"x\" 1", "unterminated label set")]
    [InlineData("m", "missing value")]
    [InlineData("m{a=\"1\"}", "missing value")]
    [InlineData("m one", "invalid value")]
    [InlineData("m 1 2 3", "unexpected text after the sample")]
    [InlineData("m 1 12:00", "invalid timestamp")]
    [InlineData("m{1a=\"x\"} 1", "invalid label name")]
    [InlineData("m{a:b=\"x\"} 1", "expected '=' after a label name")]
    [InlineData("m{a=x} 1", "expected a quoted label value")]
    [InlineData("m{a=\"x\" b=\"y\"} 1", "expected ',' or '}' in a label set")]
    [InlineData("m{a=\"\\t\"} 1", "invalid escape sequence in a label value")]
    [InlineData("m{a=\"1\",a=\"2\"} 1", "duplicate label name")]
    [InlineData("# TYPE m sideways", "unknown metric type")]
    [InlineData("# TYPE m", "unknown metric type")]
    [InlineData("# TYPE 9m gauge", "invalid metric name in # TYPE")]
    [InlineData("# HELP", "invalid metric name in # HELP")]
    [InlineData("{a=\"x\"} 1", "invalid metric name")]
    public void A_malformed_line_is_counted_with_its_reason_and_the_rest_still_parses(string line, string reason)
    {
        var exposition = ExpositionParser.Parse($"before 1\n{line}\nafter 2\n");
        Assert.Equal(1, exposition.Malformed);
        Assert.Equal($"line 2: {reason}", Assert.Single(exposition.MalformedExamples));
        Assert.Equal(["before", "after"], exposition.Samples.Select(s => s.Name));
    }

    [Fact]
    public void Binary_bytes_and_invalid_utf8_are_malformed_lines()
    {
        byte[] text = [.. "ok 1\n"u8, 0x00, 0x01, 0xff, 0xfe, (byte)'\n', .. "m{a=\""u8, 0xc3, 0x28, .. "\"} 1\n"u8, .. "# HELP m bad "u8, 0xff,
            (byte)'\n',
            .. "m{a=\"ünï\"} 2\n"u8];
        var exposition = ExpositionParser.Parse(text);
        Assert.Equal(3, exposition.Malformed);
        Assert.Equal(["line 2: invalid metric name", "line 3: invalid UTF-8 in a label value", "line 4: invalid UTF-8 in # HELP"],
            exposition.MalformedExamples);
        Assert.Equal(["", "{a=\"ünï\"}"], exposition.Samples.Select(s => s.Labels));
    }

    [Fact]
    public void Only_five_malformed_examples_are_kept_but_all_are_counted()
    {
        var exposition = ExpositionParser.Parse(string.Concat(Enumerable.Repeat("garbage!\n", 8)) + "ok 1");
        Assert.Equal(8, exposition.Malformed);
        Assert.Equal(5, exposition.MalformedExamples.Count);
        Assert.Equal("line 5: invalid metric name", exposition.MalformedExamples[^1]);
        Assert.Single(exposition.Samples);
    }

    [Fact]
    public void Repeated_parses_give_the_same_results_and_share_strings()
    {
        var first = ExpositionParser.Parse(VllmExcerpt);
        var second = ExpositionParser.Parse(Encoding.UTF8.GetBytes(VllmExcerpt));
        Assert.Equal(first.Samples, second.Samples);
        Assert.Same(first.Samples[5].Labels, second.Samples[5].Labels);
        Assert.Same(first.Samples[5].Name, second.Samples[5].Name);
    }

    [Fact]
    public void A_malformed_label_set_is_malformed_each_time_it_appears()
    {
        var exposition = ExpositionParser.Parse("m{a=\"1\",a=\"2\"} 1\nm{a=\"1\",a=\"2\"} 1\n");
        Assert.Equal(2, exposition.Malformed);
        Assert.Empty(exposition.Samples);
    }

    [Fact]
    public void Label_text_formats_sorted_and_escaped_and_parses_back()
    {
        var text = LabelText.Format([new("model_name", "a\"b\\c\nd"), new("le", "0.5"), new("empty", "")]);
        Assert.Equal("{le=\"0.5\",model_name=\"a\\\"b\\\\c\\nd\"}", text);
        Assert.Equal(new Dictionary<string, string> { ["le"] = "0.5", ["model_name"] = "a\"b\\c\nd" }, LabelText.Parse(text));
        Assert.Equal("", LabelText.Format([]));
        Assert.Empty(LabelText.Parse(""));
    }

    [Fact]
    public void Label_text_rejects_invalid_names_and_text()
    {
        Assert.Throws<ArgumentException>(() => LabelText.Format([new("bad-name", "x")]));
        Assert.Throws<ArgumentException>(() => LabelText.Format([new("a", "x"), new("a", "y")]));
        Assert.Throws<FormatException>(() => LabelText.Parse("a=\"x\""));
        Assert.Throws<FormatException>(() => LabelText.Parse("{a=\"x\""));
        Assert.Throws<FormatException>(() => LabelText.Parse("{a=\"x\"} trailing"));
        Assert.Throws<FormatException>(() => LabelText.Parse("{a=\"x\",a=\"y\"}"));
    }

    [Fact]
    public void Label_text_without_drops_the_named_labels()
    {
        const string text = "{instance=\"node1:8000\",le=\"0.5\",model_name=\"m\"}";
        Assert.Equal("{instance=\"node1:8000\",model_name=\"m\"}", LabelText.Without(text, "le"));
        Assert.Equal("{model_name=\"m\"}", LabelText.Without(text, "le", "instance"));
        Assert.Equal("", LabelText.Without(text, "le", "instance", "model_name"));
        Assert.Equal(text, LabelText.Without(text, "absent"));
        Assert.Equal("", LabelText.Without("", "le"));
    }

    private static ParsedSample Single(Exposition exposition, string name) => exposition.Samples.Single(s => s.Name == name);

    private static double Le(ParsedSample bucket) =>
        double.Parse(LabelText.Parse(bucket.Labels)["le"].Replace("+Inf", "Infinity", StringComparison.Ordinal),
            System.Globalization.CultureInfo.InvariantCulture);
}
