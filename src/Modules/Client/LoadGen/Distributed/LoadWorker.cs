using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Aibench.Client.LoadGen.Datasets;

namespace Aibench.Client.LoadGen.Distributed;

/// <summary>
/// One worker of a distributed run (<c>aibench loadgen --worker worker.json</c>): its share of the load from the
/// shared start, a snapshot to the host about once a second, everything it measured at the end. Over HTTP with the
/// host's token when it can; into the run folder otherwise, switching for good at the first failed connection.
/// </summary>
internal sealed class LoadWorker(string configPath, int worker, string? node, TimeProvider time, TextWriter log) : IDisposable
{
    private readonly string _runFolder = Path.GetDirectoryName(Path.GetFullPath(configPath))!;
    private readonly Lock _gate = new();
    private readonly LongHistogramPair _latency = new();
    private HttpClient? _host;
    private WorkerConfig _config = null!;
    private int _sending;
    private ClientEnvelope? _envelope;
    private ClientWarmup? _warmup;

    private sealed class LongHistogramPair
    {
        public HdrHistogram.LongHistogram Ttft { get; } = Histograms.New();

        public HdrHistogram.LongHistogram E2e { get; } = Histograms.New();
    }

    public async Task<int> RunAsync(CancellationToken ct)
    {
        _config = JsonSerializer.Deserialize<WorkerConfig>(await File.ReadAllBytesAsync(configPath, ct), Json.Options)
                  ?? throw new InvalidDataException($"{configPath} is empty");
        if (worker < 0 || worker >= _config.Workers)
        {
            await log.WriteLineAsync($"aibench worker: index {worker} is outside 0..{_config.Workers - 1}");
            return 2;
        }

        if (_config.Reporting == "http" && _config.ReportUrl is { } url)
        {
            _host = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
            _host.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _config.Token);
        }

        try
        {
            var spec = WorkerShare.For(_config.Spec, worker, _config.Workers);
            var endpoints = _config.Endpoints.Select(e => new Uri(e)).ToList();
            using var http = RequestSender.CreateHttpClient();
            // Each worker counts as the host did: the server's /tokenize from this node, else the shared tokenizer file.
            var (tokenizer, _) = await Tokenizers.PromptTokenizers.ResolveAsync(spec.Tokenizer, endpoints[0], _config.Model, http, ct);
            var prompts = await DatasetLoader.LoadAsync(spec.Dataset, spec.Api, spec.Seed, tokenizer, ct);
            var plan = LoadPlan.From(spec, endpoints, _config.Model) with { StepStartsUs = _config.StepStartsUs, ContinuousUsage = tokenizer.Remote };
            await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"aibench worker {worker}/{_config.Workers} on {node}: {string.Join(", ", plan.Steps.Select(s => s.Label))}, start at "
                    + $"{DateTimeOffset.FromUnixTimeMilliseconds(_config.StartAtUnixMs):O}"));
            // Calibration and warm-up happen before the shared start, never after it: a worker that has not the time
            // left (Client:WorkerStartLead too short for this queue) skips the calibration and says so in its envelope.
            var calibration = ClientPreparation.Calibration(spec, ClientCalibration.Default);
            var left = DateTimeOffset.FromUnixTimeMilliseconds(_config.StartAtUnixMs) - time.GetUtcNow();
            var skipped = calibration is { } c && left < c + TimeSpan.FromSeconds(3);
            var prepared = await ClientPreparation.RunAsync(plan, prompts, http, skipped ? null : calibration, spec.ClientWarmup,
                ClientCalibration.Binary(null), m => log.WriteLine($"aibench worker {worker}: {m}"), ct);
            _envelope = skipped
                ? ClientEnvelope.Not("skipped",
                    string.Create(CultureInfo.InvariantCulture, $"only {left.TotalSeconds:0.#} s were left before the shared start"))
                : prepared.Envelope;
            _warmup = prepared.Warmup;
            await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"aibench worker {worker}: client envelope {_envelope.Status}{(_envelope.Reason is null ? "" : ": " + _envelope.Reason)}"));
            await WaitForStartAsync(ct);
            var late = time.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(_config.StartAtUnixMs);
            if (late > TimeSpan.FromMilliseconds(50))
            {
                // Its requests are still scheduled from its own start; the merge shows the offset, this line says why.
                await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"aibench worker {worker}: started {late.TotalMilliseconds:0} ms after the shared start (Client:WorkerStartLead too short "
                        + $"for this queue)"));
            }

            var cpu = ClientCpu.Start();
            using var runner = new LoadRunner(plan, prompts, http, time, Observe);
            var outcome = await runner.RunAsync(prompts.Description, Snapshot, ct);
            var final = Final(outcome) with { Envelope = _envelope, Warmup = _warmup, ClientCpu = cpu.Fraction() };
            await DeliverAsync($"final", final, WorkerFiles.Final(_runFolder, worker));
            await log.WriteLineAsync($"aibench worker {worker}: {outcome.Records.Count} requests, {outcome.StopReason}");
            return 0;
        }
        finally
        {
            _host?.Dispose();
        }
    }

    private async Task WaitForStartAsync(CancellationToken ct)
    {
        var start = DateTimeOffset.FromUnixTimeMilliseconds(_config.StartAtUnixMs);
        var wait = start - time.GetUtcNow();
        if (wait > TimeSpan.FromMilliseconds(20))
        {
            await Task.Delay(wait - TimeSpan.FromMilliseconds(10), time, ct);
        }

        // The last milliseconds spun: a sleep would end late by about as much as the skew we try to avoid.
        while (time.GetUtcNow() < start)
        {
            ct.ThrowIfCancellationRequested();
            Thread.SpinWait(100);
        }
    }

    private void Observe(RequestRecord r)
    {
        if (r.Warmup || r.Error != RequestError.None)
        {
            return;
        }

        lock (_gate)
        {
            if (r.TtftUs is { } ttft) _latency.Ttft.Record(ttft);
            _latency.E2e.Record(r.E2eUs);
        }
    }

    private void Snapshot(RunProgress p)
    {
        // One at a time: a slow host must never pile up snapshots, and a late one is superseded by the next anyway.
        if (Interlocked.Exchange(ref _sending, 1) == 1)
        {
            return;
        }

        WorkerSnapshot snapshot;
        lock (_gate)
        {
            snapshot = new WorkerSnapshot(worker, node, Math.Round(p.Elapsed.TotalSeconds, 1), p.Step, p.Sent, p.Completed, p.Errors, p.InFlight,
                p.RequestsPerSecond, p.OutputTokensPerSecond, HistogramData.From(_latency.Ttft), HistogramData.From(_latency.E2e));
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await DeliverAsync("snapshot", snapshot, WorkerFiles.Snapshot(_runFolder, worker));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await log.WriteLineAsync($"aibench worker {worker}: snapshot not written: {e.Message}");
            }
            finally
            {
                Volatile.Write(ref _sending, 0);
            }
        });
    }

    private WorkerFinal Final(RunOutcome outcome)
    {
        lock (_gate)
        {
            return new WorkerFinal(worker, node, (outcome.StartedAt.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10, outcome.Dataset,
                Convert.ToBase64String(Exports.Encode(outcome.Records)), [.. outcome.ItlUs.Select(HistogramData.From)], outcome.Steps,
                outcome.Series.Rows(), outcome.MaxInFlight, outcome.StopReason, outcome.Partial, outcome.ErrorSamples.ToDictionary(),
                HistogramData.From(_latency.Ttft), HistogramData.From(_latency.E2e))
            {
                ChunkGaps = outcome.Details.ChunkGapsUs is { } gaps ? Convert.ToBase64String(RequestDetails.EncodeGaps(gaps)) : null,
                Texts = outcome.Details.Texts is { } texts ? Convert.ToBase64String(RequestDetails.EncodeTexts(texts)) : null,
            };
        }
    }

    /// <summary>To the host if it answers; otherwise, and from then on, into the run folder.</summary>
    private async Task DeliverAsync<T>(string kind, T report, string file)
    {
        if (_host is { } host)
        {
            try
            {
                using var response = await host.PostAsJsonAsync($"api/v1/benchmarks/{_config.BenchmarkId}/workers/{worker}/{kind}", report,
                    Json.Options);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                await log.WriteLineAsync($"aibench worker {worker}: the host answered {(int)response.StatusCode} to the {kind}; "
                    + $"writing files instead");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or ObjectDisposedException)
            {
                await log.WriteLineAsync($"aibench worker {worker}: the host cannot be reached ({e.Message}); writing files instead");
            }

            _host = null;
            host.Dispose();
        }

        WorkerFiles.WriteAtomically(file, report);
    }

    /// <summary>The connection to the host, when a run did not get to close it itself.</summary>
    public void Dispose() => _host?.Dispose();
}
