using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Aibench.Client.LoadGen.Datasets;

namespace Aibench.Client.LoadGen;

/// <summary>
/// Measures the client envelope (<see cref="ClientEnvelope"/>): the run's load shape against a zero-latency streaming
/// endpoint in a child process on this node. A child process, not a Kestrel in this one, because in-process the
/// endpoint would share the client's thread pool and GC and its work would be counted as the client's (the same reason
/// bench/ runs its endpoints in a child); and the aibench binary itself, <c>aibench sim --ttft 0ms --itl 0ms</c>, so
/// nothing else has to be installed on a compute node.
/// </summary>
internal static partial class ClientCalibration
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan Shortest = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan Longest = TimeSpan.FromSeconds(60);

    /// <summary>How long the child may take to print its address (a cold start on a loaded node takes seconds).</summary>
    private static readonly TimeSpan ChildStart = TimeSpan.FromSeconds(30);

    /// <summary><c>off</c> (null duration), a duration within bounds, or null/empty for the default.</summary>
    public static bool TryParse(string? text, out TimeSpan? duration)
    {
        duration = Default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        if (text.Trim().Equals("off", StringComparison.OrdinalIgnoreCase))
        {
            duration = null;
            return true;
        }

        if (Shared.Text.Duration.TryParse(text.Trim(), out var value) && value >= Shortest && value <= Longest)
        {
            duration = value;
            return true;
        }

        return false;
    }

    /// <summary>
    /// The aibench executable that serves the zero-latency endpoint: the configured one, this process when it is
    /// aibench (published or built), the aibench beside it when aibench runs as <c>dotnet aibench.dll</c>; null
    /// otherwise. A test host has an aibench beside it too (the Host's build output is copied), but it is not aibench:
    /// it calibrates only when told which binary to start, so the tests of other features do not pay for it.
    /// </summary>
    public static string? Binary(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileName(self) == "aibench")
        {
            return self;
        }

        var beside = Path.Combine(AppContext.BaseDirectory, "aibench");
        return System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name == "aibench" && File.Exists(beside) ? beside : null;
    }

    /// <summary>
    /// The step to calibrate: the heaviest of the run (highest rate, or highest concurrency), held for
    /// <paramref name="duration"/>; a ramp is calibrated at its peak rate.
    /// </summary>
    public static StepPlan Shape(LoadPlan plan, TimeSpan duration)
    {
        var closed = plan.Steps.Where(s => s.ClosedLoop).ToList();
        if (closed.Count > 0)
        {
            return new StepPlan(closed.Max(s => s.Concurrency!.Value), null, null, duration);
        }

        var rate = plan.Steps.Max(s => Math.Max(s.Rate ?? 0, s.RateTo ?? 0));
        return new StepPlan(null, rate, rate, duration);
    }

    public static async Task<ClientEnvelope> MeasureAsync(LoadPlan plan, PromptSet prompts, HttpClient http, TimeSpan duration, string? binary,
        CancellationToken ct)
    {
        var shape = Shape(plan, duration);
        if (shape is { ClosedLoop: false, Rate: not > 0 })
        {
            return ClientEnvelope.Not("skipped", "the run's peak rate is 0 req/s: nothing to calibrate");
        }

        if (binary is null)
        {
            return ClientEnvelope.Not("unavailable",
                "no aibench binary to start the zero-latency endpoint (this process is not aibench; set Client:CalibrationBinary)");
        }

        var total = Stopwatch.StartNew();
        Child child;
        try
        {
            child = Start(binary, plan.Model);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return ClientEnvelope.Not("failed", $"the zero-latency endpoint ({binary} sim) could not be started: {e.Message}");
        }

        using var owned = child;
        try
        {
            Uri endpoint;
            try
            {
                endpoint = await child.AddressAsync(ct);
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
            {
                return ClientEnvelope.Not("failed", $"the zero-latency endpoint ({binary} sim) did not start: {e.Message}");
            }

            var calibration = plan with
            {
                // Never stopped for the measured run's objectives: these requests are not measured against them.
                SloStopTarget = null,
                Endpoints = [endpoint],
                Spread = Spread.RoundRobin,
                Steps = [shape],
                MaxRequests = null,
                MeasuredCap = null,
                Warmup = TimeSpan.Zero,
                StepStartsUs = null,
                SloTtft = null,
                SloTpot = null,
                SloE2e = null,
                SloItl = null,
            };

            // First a pass of a quarter of the time, not counted, that warms the client and the child (JIT, connections);
            // a separate pass rather than the runner's warm-up, which counts by scheduled time: a shape the client cannot
            // keep up with would still be sending the warm-up's requests when the measured pass is stopped.
            await PassAsync(calibration with { Steps = [shape with { Duration = duration / 4 }] }, prompts, http, duration / 4, ct);
            var cpu = ClientCpu.Start();
            var outcome = await PassAsync(calibration, prompts, http, duration, ct);
            ct.ThrowIfCancellationRequested();
            var fraction = cpu.Fraction();
            var step = Summarizer.Summarize(outcome).Overall;
            return new ClientEnvelope(
                ClientEnvelope.Measured,
                outcome.Partial ? $"stopped after {Shared.Text.Duration.Format(Limit(duration))}: the client could not send this shape's "
                    + $"requests in time" : null,
                shape.Label,
                duration.TotalSeconds,
                Math.Round(total.Elapsed.TotalSeconds, 3),
                shape.TargetRate,
                step.AchievedRate,
                step.AchievedRate is { } a && shape.TargetRate is { } t && t > 0 ? Math.Round(a / t, 4) : null,
                step.RequestThroughput,
                step.ScheduleLagMs?.P50,
                step.ScheduleLagMs?.P99,
                step.TtftMs?.P50,
                step.TtftMs?.P99,
                step.ItlMs?.P50,
                step.ItlMs?.P99,
                step.E2eMs?.P50,
                step.E2eMs?.P99,
                fraction,
                Environment.ProcessorCount,
                step.Sent,
                step.Failed);
        }
        finally
        {
            await child.StopAsync();
        }
    }

    /// <summary>
    /// One pass of the shape. A shape the client cannot keep up with (a tiny in-flight cap at a huge rate) would go on
    /// sending every scheduled request long after the duration; the envelope needs a bounded sample, so a pass is
    /// stopped at twice its duration plus 2 s, and what was measured by then is kept.
    /// </summary>
    private static async Task<RunOutcome> PassAsync(LoadPlan plan, PromptSet prompts, HttpClient http, TimeSpan duration, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(Limit(duration));
        using var runner = new LoadRunner(plan, prompts, http);
        var outcome = await runner.RunAsync(prompts.Description, null, limit.Token);
        ct.ThrowIfCancellationRequested();
        return outcome;
    }

    private static TimeSpan Limit(TimeSpan duration) => (duration * 2) + TimeSpan.FromSeconds(2);

    private static Child Start(string binary, string model)
    {
        var info = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        // No shell: the model name goes to the child as one argument, whatever it contains. The context limits are
        // lifted so that every prompt of the dataset is accepted, and --exit-on-stdin-close ends the child with us
        // even when this process is killed.
        foreach (var arg in new[]
                 {
                     "sim", "--host", "127.0.0.1", "--port", "0", "--ttft", "0ms", "--itl", "0ms", "--model", model,
                     "--max-model-len", "16777216", "--kv-cache-tokens", "16777216", "--exit-on-stdin-close",
                 })
        {
            info.ArgumentList.Add(arg);
        }

        // The child is a simulator, not a user's aibench: none of this process's settings apply to it.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("AIBENCH_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }

        return new Child(Process.Start(info) ?? throw new InvalidOperationException($"{binary} could not be started"));
    }

    [GeneratedRegex(@"listening on (?<url>https?://\S+)")]
    private static partial Regex Listening();

    private sealed class Child : IDisposable
    {
        private readonly Process _process;
        private readonly TaskCompletionSource<Uri> _address = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly StringBuilder _stderr = new();

        public Child(Process process)
        {
            _process = process;
            _process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is not null && Listening().Match(e.Data) is { Success: true } m)
                {
                    _address.TrySetResult(new Uri(m.Groups["url"].Value));
                }
            };
            _process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                lock (_stderr)
                {
                    if (_stderr.Length < 2000) _stderr.AppendLine(e.Data);
                }
            };
            _process.EnableRaisingEvents = true;
            _process.Exited += (_, _) =>
            {
                // Exited can come before the last lines of stderr were read; this waits for them.
                _process.WaitForExit();
                string errors;
                lock (_stderr) errors = _stderr.ToString().Trim();
                _address.TrySetException(new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"it exited with code {_process.ExitCode}{(errors.Length > 0 ? ": " + errors : "")}")));
            };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public async Task<Uri> AddressAsync(CancellationToken ct) => await _address.Task.WaitAsync(ChildStart, ct);

        public async Task StopAsync()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                }

                await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
            {
                // Gone already, or it will be when its stdin closes with this process.
            }
        }

        public void Dispose() => _process.Dispose();
    }
}
