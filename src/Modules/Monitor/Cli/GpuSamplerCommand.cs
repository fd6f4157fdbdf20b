using System.CommandLine;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Aibench.Shared.Cli;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Aibench.Monitor.Cli;

/// <summary>
/// <c>aibench gpu-sampler</c>: the GPU sidecar of a job on nodes without NVIDIA's DCGM exporter. It runs nvidia-smi
/// every interval and serves the result on /metrics under DCGM's metric names.
/// </summary>
internal static class GpuSamplerCommand
{
    public const string Name = "gpu-sampler";

    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "Port to serve /metrics on (all interfaces).", Required = true };
        var interval = new Option<string>("--interval") { Description = "How often to run nvidia-smi, e.g. 5s.", DefaultValueFactory = _ => "5s" };
        var nvidiaSmi = new Option<string>("--nvidia-smi") { Description = "The nvidia-smi program.", DefaultValueFactory = _ => "nvidia-smi" };
        var command = new Command(Name, "Serve nvidia-smi's GPU readings on /metrics with DCGM exporter metric names (a job's GPU sidecar).")
        {
            port, interval, nvidiaSmi,
        };
        command.SetAction(async (parse, ct) =>
        {
            var errors = new List<string>();
            var p = parse.GetValue(port);
            if (p is < 1 or > 65535) errors.Add($"--port: {p} is not a port.");
            var intervalText = parse.GetValue(interval)!;
            if (!Aibench.Shared.Text.Duration.TryParse(intervalText, out var every) || every < TimeSpan.FromMilliseconds(100))
            {
                errors.Add($"--interval: '{intervalText}' is not a duration of at least 100ms, like 5s.");
            }

            var program = parse.GetValue(nvidiaSmi)!;
            if (program.Length == 0 || program.Any(char.IsControl)) errors.Add("--nvidia-smi: must name a program.");
            if (errors.Count > 0)
            {
                foreach (var e in errors) await Console.Error.WriteLineAsync("aibench gpu-sampler: " + e);
                return ExitCodes.Usage;
            }

            var sampler = new GpuSampler(program, every, TimeProvider.System);
            await using var app = sampler.Build(p);
            try
            {
                await app.StartAsync(ct);
            }
            catch (IOException e)
            {
                await Console.Error.WriteLineAsync($"aibench gpu-sampler: cannot listen on port {p}: {e.Message}");
                return ExitCodes.Failure;
            }

            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            Console.Out.WriteLine($"aibench gpu-sampler listening on {address}/metrics ({program} every "
                + $"{Aibench.Shared.Text.Duration.Format(every)})");
            Console.Out.Flush();
            try
            {
                await Task.WhenAll(sampler.RunAsync(app.Lifetime.ApplicationStopping), app.WaitForShutdownAsync(ct));
            }
            catch (OperationCanceledException)
            {
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}

/// <summary>Runs nvidia-smi on a timer and keeps the last reading for /metrics.</summary>
internal sealed class GpuSampler(string nvidiaSmi, TimeSpan interval, TimeProvider time)
{
    private readonly string _hostname = Environment.MachineName;
    private IReadOnlyList<GpuSample> _gpus = [];
    private long _errors;

    public WebApplication Build(int port)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://0.0.0.0:{port.ToString(CultureInfo.InvariantCulture)}");
        var app = builder.Build();
        app.MapGet("/metrics", () => Results.Text(Render(), "text/plain; version=0.0.4; charset=utf-8"));
        return app;
    }

    public string Render() => GpuMetrics.Render(Volatile.Read(ref _gpus), _hostname, Interlocked.Read(ref _errors));

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        do
        {
            await SampleAsync(cancellationToken);
        }
        while (await WaitAsync(timer, cancellationToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>One run. When it fails the GPUs are left out until the next good one: stale readings would look live.</summary>
    internal async Task SampleAsync(CancellationToken cancellationToken)
    {
        var (gpus, errors) = await ReadAsync(cancellationToken);
        Volatile.Write(ref _gpus, gpus);
        if (errors > 0) Interlocked.Add(ref _errors, errors);
    }

    private async Task<(IReadOnlyList<GpuSample>, int)> ReadAsync(CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(nvidiaSmi) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in GpuMetrics.Arguments) info.ArgumentList.Add(arg);
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (Win32Exception e)
        {
            await Console.Error.WriteLineAsync($"aibench gpu-sampler: cannot run {nvidiaSmi}: {e.Message}");
            return ([], 1);
        }

        using (process)
        {
            // A hung driver makes nvidia-smi hang too; the next run must not queue up behind it.
            var limit = interval < TimeSpan.FromSeconds(10) ? TimeSpan.FromSeconds(10) : interval;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(limit);
            try
            {
                var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
                var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
                await process.WaitForExitAsync(timeout.Token);
                if (process.ExitCode != 0)
                {
                    var why = (await stderr).Trim();
                    await Console.Error.WriteLineAsync($"aibench gpu-sampler: {nvidiaSmi} exited with {process.ExitCode}: "
                        + $"{(why.Length > 0 ? why : (await stdout).Trim())}");
                    return ([], 1);
                }

                var (gpus, errors) = GpuMetrics.Parse(await stdout);
                return (gpus, errors);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                await Console.Error.WriteLineAsync($"aibench gpu-sampler: {nvidiaSmi} did not answer within "
                    + $"{Aibench.Shared.Text.Duration.Format(limit)}");
                return ([], 1);
            }
        }
    }
}
