using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Aibench.Client.Cli;
using Aibench.Host.Cli;
using Aibench.Shared.Cli;
using Aibench.Simulator;
using Aibench.Tests.Infrastructure;

namespace Aibench.Tests.Client;

/// <summary>
/// <c>aibench loadgen</c> run in-process as a user would type it. Console output is captured, so these tests share the
/// timing collection: no other test writes to the console meanwhile.
/// </summary>
[Collection(nameof(TimingCollection))]
[Trait("Category", TimingCollection.Trait)]
public sealed class LoadgenCommandTests : IDisposable
{
    private static readonly SimOptions Fast = new() { Ttft = TimeSpan.FromMilliseconds(5), Itl = TimeSpan.FromMilliseconds(1) };

    private readonly string _dir = Directory.CreateTempSubdirectory("aibench-loadgen-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_short_run_prints_the_tables_and_writes_the_result_and_every_request()
    {
        await using var sim = await Sim.StartAsync(Fast);
        var json = Path.Combine(_dir, "result.json");
        var csv = Path.Combine(_dir, "requests.csv");

        // No --model: the command asks /v1/models, where the simulator answers sim-model.
        var (exit, stdout, stderr) = await RunAsync(
            "--url", sim.Url.ToString(), "--concurrency", "2", "--max-requests", "20", "--dataset", "random:input=16,output=8",
            "--output", json, "--requests", csv);

        Assert.True(exit == 0, stderr);
        Assert.Contains("TTFT", stdout);
        Assert.Contains("E2E", stdout);
        Assert.Contains("concurrency 2", stdout);
        using var document = JsonDocument.Parse(await File.ReadAllBytesAsync(json, TestContext.Current.CancellationToken));
        var root = document.RootElement;
        Assert.Equal(20, root.GetProperty("summary").GetProperty("overall").GetProperty("completed").GetInt32());
        Assert.Equal(20, root.GetProperty("vllm").GetProperty("completed").GetInt32());
        Assert.Equal("sim-model", root.GetProperty("model").GetString());
        Assert.Equal("completed", root.GetProperty("status").GetString());
        // A run outside the web host has no id: the field is left out like every null.
        Assert.False(root.TryGetProperty("id", out var id) && id.ValueKind != JsonValueKind.Null);
        var lines = await File.ReadAllLinesAsync(csv, TestContext.Current.CancellationToken);
        Assert.Equal(21, lines.Length);
        Assert.StartsWith("index,", lines[0]);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public async Task An_open_loop_run_with_slos_reports_goodput_and_writes_jsonl_records()
    {
        await using var sim = await Sim.StartAsync(Fast);
        var json = Path.Combine(_dir, "result.json");
        var jsonl = Path.Combine(_dir, "requests.jsonl");

        var (exit, stdout, stderr) = await RunAsync(
            "--url", sim.Url.ToString(), "--model", "sim-model", "--rate", "50", "--arrival", "constant", "--max-requests", "10",
            "--dataset", "random:input=16,output=8", "--slo", "ttft=10s,e2e=10s", "--slo", "tpot=1s", "--output", json, "--requests", jsonl);

        Assert.True(exit == 0, stderr);
        Assert.Contains("goodput", stdout);
        using var document = JsonDocument.Parse(await File.ReadAllBytesAsync(json, TestContext.Current.CancellationToken));
        var overall = document.RootElement.GetProperty("summary").GetProperty("overall");
        Assert.Equal(10, overall.GetProperty("completed").GetInt32());
        Assert.Equal(1.0, overall.GetProperty("goodputFraction").GetDouble());
        var records = await File.ReadAllLinesAsync(jsonl, TestContext.Current.CancellationToken);
        Assert.Equal(10, records.Length);
        Assert.All(records, r => Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(r).RootElement.GetProperty("error").ValueKind));
    }

    [Fact]
    public async Task The_result_file_has_each_requests_inter_token_gaps_and_with_keep_texts_its_generated_texts()
    {
        await using var sim = await Sim.StartAsync(new SimOptions { Ttft = TimeSpan.FromMilliseconds(2), Itl = TimeSpan.FromMilliseconds(10) });
        var plain = Path.Combine(_dir, "plain.json");
        var withTexts = Path.Combine(_dir, "texts.json");
        string[] flags = ["--url", sim.Url.ToString(), "--model", "sim-model", "--concurrency", "2", "--max-requests", "6", "--dataset",
            "random:input=16,output=8", "--quiet"];

        var first = await RunAsync([.. flags, "--output", plain]);
        var second = await RunAsync([.. flags, "--output", withTexts, "--keep-texts"]);

        Assert.True(first.Exit == 0, first.Stderr);
        Assert.True(second.Exit == 0, second.Stderr);
        using var document = JsonDocument.Parse(await File.ReadAllBytesAsync(plain, TestContext.Current.CancellationToken));
        var vllm = document.RootElement.GetProperty("vllm");
        var itls = vllm.GetProperty("itls").EnumerateArray().ToList();
        Assert.Equal(6, itls.Count);
        // One token per chunk from the simulator: 7 gaps of about 10 ms each, in seconds.
        Assert.All(itls, l => Assert.Equal(7, l.GetArrayLength()));
        var gaps = itls.SelectMany(l => l.EnumerateArray().Select(g => g.GetDouble())).Order().ToList();
        // The simulator aims each chunk at ttft + k × itl from the arrival, so a chunk a busy machine delayed is followed by a short
        // catch-up gap: most gaps, not all, are near 10 ms.
        Assert.All(gaps, g => Assert.InRange(g, 0, 0.2));
        Assert.True(gaps.Count(g => g >= 0.005) >= gaps.Count * 0.8, string.Join(", ", gaps));
        Assert.InRange(gaps[gaps.Count / 2], 0.008, 0.05);
        Assert.False(vllm.TryGetProperty("generated_texts", out _));

        using var kept = JsonDocument.Parse(await File.ReadAllBytesAsync(withTexts, TestContext.Current.CancellationToken));
        var texts = kept.RootElement.GetProperty("vllm").GetProperty("generated_texts").EnumerateArray().Select(t => t.GetString()).ToList();
        Assert.Equal(6, texts.Count);
        Assert.All(texts, t => Assert.False(string.IsNullOrEmpty(t)));
        Assert.True(kept.RootElement.GetProperty("spec").GetProperty("keepTexts").GetBoolean());
    }

    [Fact]
    public async Task Keep_texts_without_an_output_file_is_refused_in_flag_terms()
    {
        var (exit, _, stderr) = await RunAsync("--url", "http://127.0.0.1:9", "--model", "m", "--max-requests", "3", "--keep-texts");

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.StartsWith("aibench loadgen: --keep-texts: ", stderr.Trim());
        Assert.Contains("--output", stderr);
    }

    [Fact]
    public async Task A_figure_out_of_its_reference_exits_5_naming_it_and_one_within_exits_0()
    {
        await using var sim = await Sim.StartAsync(Fast);
        var json = Path.Combine(_dir, "result.json");
        string[] run = ["--url", sim.Url.ToString(), "--model", "sim-model", "--concurrency", "2", "--max-requests", "20",
            "--dataset", "random:input=16,output=8", "--quiet"];

        // No 2-in-flight run of a 5 ms + 8 × 1 ms simulator reaches 100000 req/s; its TTFT is far below 10 s.
        var (exit, stdout, stderr) = await RunAsync([.. run, "--reference", "throughput=100000,-5%", "--reference", "ttft_p99=10s,+10%",
            "--output", json]);

        Assert.True(exit == ExitCodes.ReferenceFailed, $"exit {exit}: {stderr}");
        Assert.Contains("OUT OF BOUNDS", stdout);
        Assert.Contains("references failed: throughput", stderr);
        Assert.DoesNotContain("ttft_p99", stderr);
        using (var document = JsonDocument.Parse(await File.ReadAllBytesAsync(json, TestContext.Current.CancellationToken)))
        {
            var references = document.RootElement.GetProperty("summary").GetProperty("references");
            Assert.False(references.GetProperty("passed").GetBoolean());
            var checks = references.GetProperty("checks").EnumerateArray().ToList();
            Assert.Equal(["throughput", "ttft_p99"], checks.Select(c => c.GetProperty("figure").GetString()));
            Assert.Equal(95000, checks[0].GetProperty("low").GetDouble());
            Assert.Equal(11000, checks[1].GetProperty("high").GetDouble());
            Assert.Equal([false, true], checks.Select(c => c.GetProperty("passed").GetBoolean()));
        }

        (exit, _, stderr) = await RunAsync([.. run, "--reference", "throughput=1,-100%,+1000000%", "--reference", "error_rate=0,+0.01"]);
        Assert.True(exit == 0, stderr);
    }

    [Fact]
    public async Task A_sweep_reports_every_step_and_all_steps_together()
    {
        await using var sim = await Sim.StartAsync(Fast);

        var (exit, stdout, stderr) = await RunAsync(
            "--url", sim.Url.ToString(), "--model", "sim-model", "--sweep-concurrency", "1,2", "--duration", "1s",
            "--dataset", "random:input=16,output=8", "--quiet");

        Assert.True(exit == 0, stderr);
        Assert.Contains("concurrency 1", stdout);
        Assert.Contains("concurrency 2", stdout);
        Assert.Contains("all steps", stdout);
        Assert.Equal("", stderr);
    }

    [Fact]
    public async Task A_sweep_with_report_writes_the_runs_html_report_and_its_markdown_summary()
    {
        await using var sim = await Sim.StartAsync(Fast);
        var html = Path.Combine(_dir, "run.html");
        var md = Path.Combine(_dir, "run.md");
        string[] flags = ["--url", sim.Url.ToString(), "--model", "sim-model", "--sweep-concurrency", "1,2", "--duration", "1s",
            "--dataset", "random:input=16,output=8", "--quiet", "--name", "cli sweep"];

        var (exit, _, stderr) = await RunAsync([.. flags, "--report", html]);
        var (exitMd, _, stderrMd) = await RunAsync([.. flags, "--report", md]);

        Assert.True(exit == 0 && exitMd == 0, stderr + stderrMd);
        var page = await File.ReadAllTextAsync(html, TestContext.Current.CancellationToken);
        Assert.Contains("cli sweep (aibench loadgen, no host)", page);
        Assert.Contains("data-section=\"steps\"", page);
        Assert.Contains("data-figure=\"latency-vs-load\"", page);
        Assert.StartsWith("### aibench run report: cli sweep", await File.ReadAllTextAsync(md, TestContext.Current.CancellationToken));
        Assert.Equal(["run.html", "run.md"], Directory.GetFiles(_dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("--rate 0", "--rate")]
    [InlineData("--rate -5", "--rate")]
    [InlineData("--url not-a-url", "--url")]
    [InlineData("--url ftp://x", "--url")]
    [InlineData("--ramp 5", "--ramp")]
    [InlineData("--ramp 1:x --duration 10s", "--ramp")]
    [InlineData("--slo foo=1s", "--slo")]
    [InlineData("--slo ttft=soon", "--slo")]
    [InlineData("--concurrency 2 --rate 5", "--rate")]
    [InlineData("--concurrency abc", "--concurrency")]
    [InlineData("--concurrency 0", "--concurrency")]
    [InlineData("--sweep-rates 10,x,40 --duration 10s", "--sweep-rates")]
    [InlineData("--sweep-concurrency 1,2", "--duration")]
    [InlineData("--max-in-flight 4", "--max-in-flight")]
    [InlineData("--arrival gamma", "--arrival")]
    [InlineData("--rate 5 --arrival sometimes", "--arrival")]
    [InlineData("--duration banana", "--duration")]
    [InlineData("--warmup 20s --duration 10s", "--warmup")]
    [InlineData("--timeout forever", "--timeout")]
    [InlineData("--api embeddings", "--api")]
    [InlineData("--spread random", "--spread")]
    [InlineData("--dataset random:input=16", "--dataset")]
    [InlineData("--dataset jsonl:/nonexistent.jsonl", "/nonexistent.jsonl")]
    [InlineData("--requests requests.txt", "--requests")]
    [InlineData("--report report.pdf", "--report")]
    [InlineData("--reference throughput", "--reference")]
    [InlineData("--reference throughput=1200", "--reference")]
    [InlineData("--reference throughput=1200,5%", "--reference")]
    [InlineData("--reference speed=1200,-5%", "--reference")]
    [InlineData("--reference throughput=fast,-5%", "--reference")]
    [InlineData("--reference ttft_p99=soon,+10%", "--reference")]
    [InlineData("--reference capacity=10,-5%", "--reference")]
    [InlineData("--reference throughput=1200,-5%x", "--reference")]
    public async Task A_bad_flag_exits_2_with_one_line_naming_it_and_writes_nothing(string flags, string named)
    {
        var output = Path.Combine(_dir, "result.json");
        // Nothing listens on port 9 (discard): a run that got past the flags would fail differently.
        string[] args = ["--url", "http://127.0.0.1:9", "--model", "m", "--max-requests", "3", "--output", output,
            .. flags.Split(' ').Select(a => a is "requests.txt" or "report.pdf" ? Path.Combine(_dir, a) : a)];

        var (exit, stdout, stderr) = await RunAsync(args);

        Assert.Equal(ExitCodes.Usage, exit);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("aibench loadgen: ", line);
        Assert.Contains(named, line);
        Assert.Equal("", stdout);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public async Task A_dataset_file_that_does_not_exist_is_named_under_the_dataset_flag()
    {
        var (exit, _, stderr) = await RunAsync("--url", "http://127.0.0.1:9", "--model", "m", "--max-requests", "3", "--dataset",
            "jsonl:/nonexistent.jsonl");

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Equal("aibench loadgen: --dataset: file not found: /nonexistent.jsonl", stderr.Trim());
    }

    [Fact]
    public async Task No_url_and_no_stop_condition_are_each_one_line_in_flag_terms()
    {
        var (exit, _, stderr) = await RunAsync("--concurrency", "2");

        Assert.Equal(ExitCodes.Usage, exit);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains(lines, l => l.StartsWith("aibench loadgen: --url: ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("aibench loadgen: --duration: ", StringComparison.Ordinal) && l.Contains("--max-requests"));
    }

    [Fact]
    public async Task An_output_file_in_a_folder_that_does_not_exist_is_refused_before_anything_runs()
    {
        var (exit, _, stderr) = await RunAsync(
            "--url", "http://127.0.0.1:9", "--model", "m", "--max-requests", "3", "--output", Path.Combine(_dir, "missing", "result.json"));

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("--output", stderr);
        Assert.Contains("does not exist", stderr);
    }

    [Fact]
    public async Task Every_request_failing_exits_1_with_the_first_error_and_still_writes_the_result()
    {
        var url = $"http://127.0.0.1:{ClosedPort()}";
        var output = Path.Combine(_dir, "result.json");

        var (exit, _, stderr) = await RunAsync(
            "--url", url, "--model", "m", "--max-requests", "3", "--timeout", "2s", "--dataset", "random:input=16,output=8", "--output", output);

        Assert.Equal(ExitCodes.Failure, exit);
        Assert.Contains("every request failed (3 × connect)", stderr);
        using var document = JsonDocument.Parse(await File.ReadAllBytesAsync(output, TestContext.Current.CancellationToken));
        Assert.Equal(3, document.RootElement.GetProperty("summary").GetProperty("overall").GetProperty("failed").GetInt32());
    }

    [Fact]
    public async Task A_target_that_cannot_be_asked_for_its_model_exits_1()
    {
        var url = $"http://127.0.0.1:{ClosedPort()}";

        var (exit, _, stderr) = await RunAsync("--url", url, "--max-requests", "3", "--dataset", "random:input=16,output=8");

        Assert.Equal(ExitCodes.Failure, exit);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("/v1/models", StringComparison.Ordinal));
        Assert.Contains("give the model explicitly", line);
    }

    [Fact]
    public async Task Cancelling_a_run_keeps_what_was_measured_and_marks_it_partial()
    {
        await using var sim = await Sim.StartAsync(Fast);
        var output = Path.Combine(_dir, "result.json");
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var root = new RootCommand { LoadgenCommand.Create() };

        var run = CaptureAsync(() => root.Parse([
            "loadgen", "--url", sim.Url.ToString(), "--model", "sim-model", "--concurrency", "2", "--duration", "1m",
            "--dataset", "random:input=16,output=8", "--output", output, "--quiet",
        ]).InvokeAsync(null, cancel.Token));
        // Cancelled once the server has answered a few dozen requests, not after a fixed time: building the prompts and
        // warming the client come first and take longer on a loaded machine (the warm-up's 2 requests count here too).
        var until = DateTime.UtcNow.AddSeconds(60);
        while (!run.IsCompleted && DateTime.UtcNow < until && Answered(await sim.MetricsAsync()) < 30)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        await cancel.CancelAsync();
        var (exit, stdout, stderr) = await run;

        Assert.True(exit == 0, stderr);
        Assert.Contains("partial: cancelled", stdout);
        Assert.Contains("partial: cancelled", stderr);
        using var document = JsonDocument.Parse(await File.ReadAllBytesAsync(output, TestContext.Current.CancellationToken));
        Assert.Equal("partial", document.RootElement.GetProperty("status").GetString());
        Assert.True(document.RootElement.GetProperty("summary").GetProperty("partial").GetBoolean());
        Assert.True(document.RootElement.GetProperty("summary").GetProperty("overall").GetProperty("completed").GetInt32() > 0);
    }

    /// <summary>Requests the simulator has finished, whatever their reason, from its vLLM counters.</summary>
    private static double Answered(string metrics) => metrics.Split('\n')
        .Where(l => l.StartsWith("vllm:request_success_total{", StringComparison.Ordinal))
        .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));

    private static Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args) =>
        CaptureAsync(() => AibenchCommandLine.RunAsync(["loadgen", .. args]));

    private static async Task<(int Exit, string Stdout, string Stderr)> CaptureAsync(Func<Task<int>> run)
    {
        var (stdout, stderr) = (Console.Out, Console.Error);
        using var capturedOut = new StringWriter();
        using var capturedErr = new StringWriter();
        Console.SetOut(capturedOut);
        Console.SetError(capturedErr);
        try
        {
            var exit = await run();
            return (exit, capturedOut.ToString(), capturedErr.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
    }

    /// <summary>A loopback port that refuses connections: bound, read, released.</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
