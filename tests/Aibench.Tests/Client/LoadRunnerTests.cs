using System.Net;
using System.Net.Sockets;
using System.Text;
using Aibench.Client.LoadGen;
using Aibench.Contracts.Client;
using Aibench.Simulator;
using Aibench.Tests.Infrastructure;

namespace Aibench.Tests.Client;

[Collection(nameof(TimingCollection))]
[Trait("Category", TimingCollection.Trait)]
public sealed class LoadRunnerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static SimOptions Fixed(int ttftMs, int itlMs) =>
        new() { Ttft = TimeSpan.FromMilliseconds(ttftMs), Itl = TimeSpan.FromMilliseconds(itlMs) };

    [Fact]
    public async Task Fixed_latency_streams_measure_ttft_itl_and_tpot_within_a_millisecond()
    {
        await using var sim = await Sim.StartAsync(Fixed(50, 10));
        // Requests 50 ms apart, after a warm-up that takes connection set-up and JIT out of the numbers.
        var spec = new BenchmarkSpec(Load: new LoadShape("rate", Rate: 20, Arrival: "constant"), Duration: "3s", Warmup: "1s",
            Dataset: "random:input=64,output=20");

        var (outcome, summary) = await LoadGenRun.RunAsync(spec, sim.Url, Ct);
        // The server itself takes a little time to get a request to its handler; a bare socket client sees it too.
        var reference = await RawClient.TtftMsAsync(sim.Url, 10, Ct);

        var s = summary.Overall;
        Assert.Equal(40, s.Completed);
        Assert.Equal(0, s.Failed);
        Assert.InRange(reference, 49.5, 53.0);
        Assert.InRange(s.TtftMs!.P50, reference - 1, reference + 1);
        // The median is the instrument's accuracy; the mean also carries the odd scheduler hiccup of a 2-core CI machine.
        Assert.InRange(s.TtftMs.Mean, reference - 1, reference + 2);
        Assert.InRange(s.ItlMs!.P50, 9.0, 11.0);
        Assert.InRange(s.ItlMs.Mean, 9.0, 11.0);
        Assert.Equal(40 * 19, s.ItlMs.Count);
        Assert.InRange(s.TpotMs!.Mean, 9.0, 11.0);
        Assert.InRange(s.E2eMs!.P50, reference + (19 * 10) - 1.0, reference + (19 * 10) + 1.0);
        Assert.InRange(s.ScheduleLagMs!.P50, 0, 1.0);
        Assert.All(outcome.Records.Where(r => !r.Warmup), r => Assert.Equal(20, r.ServerOutputTokens));
        Assert.All(outcome.Records.Where(r => !r.Warmup), r => Assert.Equal(20, r.Chunks));
        Assert.Equal(40 * 20, s.Tokens.Output);
        Assert.Equal(40, s.Tokens.RequestsWithUsage);
        Assert.NotNull(s.Tokens.OutputMismatchPercent);
        Assert.Equal(1.0, s.TokensPerChunk!.Mean);
    }

    [Fact]
    public async Task Chat_without_streaming_takes_tokens_from_usage_and_has_no_ttft()
    {
        await using var sim = await Sim.StartAsync(Fixed(5, 1));
        var spec = new BenchmarkSpec(Api: "chat", Stream: false, Load: new LoadShape("concurrency", Concurrency: 2), MaxRequests: 10,
            Dataset: "random:input=40,output=12");

        var (outcome, summary) = await LoadGenRun.RunAsync(spec, sim.Url, Ct);

        Assert.Equal(10, summary.Overall.Completed);
        Assert.Null(summary.Overall.TtftMs);
        Assert.Equal(120, summary.Overall.Tokens.Output);
        Assert.All(outcome.Records.Where(r => !r.Warmup), r => Assert.InRange(r.ServerInputTokens, 40, 60));
        Assert.All(outcome.Records.Where(r => !r.Warmup), r => Assert.InRange(r.OutputTokens, 8, 16));
        Assert.InRange(summary.Overall.E2eMs!.P50, 5 + 11 - 1, 5 + 11 + 10);
    }

    [Fact]
    public async Task Closed_loop_never_has_more_requests_in_flight_than_its_concurrency()
    {
        await using var sim = await Sim.StartAsync(Fixed(2, 1));
        var spec = new BenchmarkSpec(Load: new LoadShape("concurrency", Concurrency: 3), Duration: "2s", Dataset: "random:input=16,output=8");

        var (outcome, summary) = await LoadGenRun.RunAsync(spec, sim.Url, Ct);

        Assert.True(outcome.Records.Count > 100, $"only {outcome.Records.Count} requests");
        Assert.Equal(3, LoadGenRun.MaxOverlap(outcome.Records));
        Assert.Equal(3, outcome.MaxInFlight);
        Assert.Equal(3, summary.Overall.MaxConcurrency);
    }

    [Fact]
    public async Task Injected_500s_and_dropped_streams_are_counted_by_kind_and_the_run_finishes()
    {
        await using var sim = await Sim.StartAsync(Fixed(1, 1) with { ErrorRate = 0.2, DropRate = 0.2 });
        var spec = new BenchmarkSpec(Load: new LoadShape("concurrency", Concurrency: 4), MaxRequests: 200, Dataset: "random:input=16,output=10");

        var (outcome, summary) = await LoadGenRun.RunAsync(spec, sim.Url, Ct);

        var s = summary.Overall;
        Assert.Equal(200, s.Sent);
        Assert.Equal(200, s.Completed + s.Failed);
        Assert.InRange(s.Errors["http_500"], 15, 70);
        Assert.InRange(s.Errors["disconnect"], 10, 70);
        Assert.Equal(s.Failed, s.Errors.Values.Sum());
        Assert.Contains("500", summary.ErrorSamples["http_500"]);
        Assert.All(outcome.Records.Where(r => r.Ok), r => Assert.Equal(10, r.ServerOutputTokens));
    }

    [Fact]
    public async Task An_endpoint_that_never_answers_gives_timeouts_and_one_that_sends_html_gives_bad_stream()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var held = new List<TcpClient>();
        var accept = Task.Run(async () =>
        {
            while (!Ct.IsCancellationRequested) held.Add(await silent.AcceptTcpClientAsync(Ct));
        }, Ct);
        var spec = new BenchmarkSpec(Load: new LoadShape("concurrency", Concurrency: 2), MaxRequests: 2, Timeout: "500ms",
            Dataset: "random:input=8,output=4");
        var (_, silentSummary) = await LoadGenRun.RunAsync(spec, new Uri($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}"), Ct);
        Assert.Equal(2, silentSummary.Overall.Errors["timeout"]);

        await using var html = await HtmlServer.StartAsync();
        var (_, htmlSummary) = await LoadGenRun.RunAsync(spec with { Timeout = "5s" }, html.Url, Ct);
        Assert.Equal(2, htmlSummary.Overall.Errors["bad_stream"]);
        Assert.Contains("text/html", htmlSummary.ErrorSamples["bad_stream"]);

        silent.Stop();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var (_, refused) = await LoadGenRun.RunAsync(spec, new Uri($"http://127.0.0.1:{port}"), Ct);
        Assert.Equal(2, refused.Overall.Errors["connect"]);
        foreach (var c in held) c.Dispose();
    }

    [Fact]
    public async Task Cancelling_keeps_what_was_measured_and_marks_the_run_partial()
    {
        await using var sim = await Sim.StartAsync(Fixed(1, 5));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(TimeSpan.FromSeconds(1.5));
        var spec = new BenchmarkSpec(Load: new LoadShape("rate", Rate: 20, Arrival: "constant"), Duration: "1m", Dataset: "random:input=8,output=50");

        var (outcome, summary) = await LoadGenRun.RunAsync(spec, sim.Url, cts.Token);

        Assert.True(outcome.Partial);
        Assert.Equal("cancelled", summary.StopReason);
        Assert.InRange(summary.Overall.Completed, 15, 30);
        Assert.True(summary.Overall.Cancelled > 0);
        Assert.Equal(0, summary.Overall.Failed);
    }

    [Fact]
    public async Task Warmup_requests_are_sent_but_left_out_of_the_statistics()
    {
        await using var sim = await Sim.StartAsync(Fixed(1, 1));
        var spec = new BenchmarkSpec(Load: new LoadShape("rate", Rate: 50, Arrival: "constant"), Duration: "2s", Warmup: "1s",
            Dataset: "random:input=8,output=4");

        var (outcome, summary) = await LoadGenRun.RunAsync(spec, sim.Url, Ct);

        Assert.Equal(50, outcome.Records.Count(r => r.Warmup));
        Assert.Equal(50, summary.Overall.Warmup);
        Assert.Equal(50, summary.Overall.Sent);
        Assert.InRange(summary.Overall.AchievedRate!.Value, 49, 51);
    }

    [Fact]
    public async Task Round_robin_and_least_in_flight_spread_requests_over_every_endpoint()
    {
        await using var a = await Sim.StartAsync(Fixed(1, 1));
        await using var b = await Sim.StartAsync(Fixed(1, 1));
        foreach (var spread in new[] { "round-robin", "least-in-flight" })
        {
            var spec = new BenchmarkSpec(Spread: spread, Urls: [a.Url.ToString(), b.Url.ToString()],
                Load: new LoadShape("concurrency", Concurrency: 4),
                MaxRequests: 100, Dataset: "random:input=8,output=4");
            var validation = new BenchmarkSpecValidator().Validate(spec);
            Assert.True(validation.IsValid);
            var plan = LoadPlan.From(spec, [a.Url, b.Url], "sim-model");
            using var runner = new LoadRunner(plan, Aibench.Client.LoadGen.Datasets.DatasetLoader.Load(spec.Dataset, "completions", 1, Ct));
            var outcome = await runner.RunAsync("d", null, Ct);
            var perEndpoint = outcome.Records.GroupBy(r => r.Endpoint).ToDictionary(g => g.Key, g => g.Count());
            Assert.InRange(perEndpoint[0], 30, 70);
            Assert.InRange(perEndpoint[1], 30, 70);
        }
    }

    /// <summary>A server that answers every request with an HTML page, as a login portal or a proxy would.</summary>
    private sealed class HtmlServer : IAsyncDisposable
    {
        private readonly HttpListener _listener;
        private readonly Task _loop;

        private HtmlServer(HttpListener listener, Uri url)
        {
            _listener = listener;
            Url = url;
            _loop = Task.Run(async () =>
            {
                while (listener.IsListening)
                {
                    HttpListenerContext context;
                    try
                    {
                        context = await listener.GetContextAsync();
                    }
                    catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                    {
                        return;
                    }

                    var body = Encoding.UTF8.GetBytes("<html><body>Please log in</body></html>");
                    context.Response.ContentType = "text/html";
                    await context.Response.OutputStream.WriteAsync(body);
                    context.Response.Close();
                }
            });
        }

        public Uri Url { get; }

        public static Task<HtmlServer> StartAsync()
        {
            var port = FreePort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            listener.Start();
            return Task.FromResult(new HtmlServer(listener, new Uri($"http://127.0.0.1:{port}/")));
        }

        private static int FreePort()
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            return ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            _listener.Close();
            await _loop;
        }
    }
}
