using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Serilog.Core;
using Serilog.Events;

namespace Aibench.Logs.Loki;

/// <summary>
/// The host's own log events, queued for Loki (labels job="aibench-host", level). The queue is bounded and drops the
/// oldest events when Loki is away for long: host logs also go to the log file, so Loki's copy is a convenience.
/// </summary>
internal sealed class LokiHostSink : ILogEventSink
{
    private readonly Channel<LogEvent> _queue = Channel.CreateBounded<LogEvent>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    public ChannelReader<LogEvent> Reader => _queue.Reader;

    public void Emit(LogEvent logEvent) => _queue.Writer.TryWrite(logEvent);
}

/// <summary>Drains <see cref="LokiHostSink"/> into Loki, a batch per interval, retrying a failed batch with back-off.</summary>
internal sealed class LokiHostShipper(LokiHostSink sink, LokiClient client, LokiSettings settings, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Always registered and decided here: the settings are final only once the host is built.
        if (settings is not { Enabled: true, ForwardHostLogs: true })
        {
            return;
        }

        var batch = new List<LogEvent>();
        var failures = 0;
        // Events of several threads reach the queue slightly out of order; Loki wants each stream in order.
        var newest = new Dictionary<string, long>(StringComparer.Ordinal);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (batch.Count == 0 && !await sink.Reader.WaitToReadAsync(stoppingToken))
                {
                    return;
                }

                while (batch.Count < settings.BatchSize && sink.Reader.TryRead(out var e))
                {
                    batch.Add(e);
                }

                var streams = new List<LokiStream>();
                var sent = new Dictionary<string, long>(StringComparer.Ordinal);
                foreach (var level in batch.GroupBy(e => LevelLabel(e.Level)))
                {
                    var last = newest.GetValueOrDefault(level.Key, long.MinValue);
                    var entries = new List<LokiEntry>();
                    foreach (var e in level.OrderBy(e => e.Timestamp))
                    {
                        last = Math.Max(last, LokiClient.ToUnixNanos(e.Timestamp));
                        entries.Add(new LokiEntry(last, Render(e)));
                    }

                    sent[level.Key] = last;
                    streams.Add(new LokiStream(
                        new SortedDictionary<string, string>(StringComparer.Ordinal) { ["job"] = "aibench-host", ["level"] = level.Key }, entries));
                }

                var result = await client.PushAsync(settings, streams, stoppingToken);
                // A refused batch is not retried: it would be refused again and block the queue.
                if (result.Outcome != PushOutcome.Unavailable)
                {
                    if (result.Outcome == PushOutcome.Accepted)
                    {
                        foreach (var (level, nanos) in sent)
                        {
                            newest[level] = nanos;
                        }
                    }

                    batch.Clear();
                    failures = 0;
                    await Task.Delay(settings.Interval, time, stoppingToken);
                }
                else
                {
                    failures++;
                    await Task.Delay(TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, Math.Min(failures - 1, 6)))), time, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>The level names Grafana colours by, rather than Serilog's own (Information, Warning).</summary>
    internal static string LevelLabel(LogEventLevel level) => level switch
    {
        LogEventLevel.Verbose => "trace",
        LogEventLevel.Debug => "debug",
        LogEventLevel.Information => "info",
        LogEventLevel.Warning => "warn",
        LogEventLevel.Error => "error",
        _ => "critical",
    };

    private static string Render(LogEvent e)
    {
        var source = e.Properties.TryGetValue("SourceContext", out var value) && value is ScalarValue { Value: string s } ? s + ": " : "";
        var text = source + e.RenderMessage(System.Globalization.CultureInfo.InvariantCulture);
        return e.Exception is null ? text : text + Environment.NewLine + e.Exception;
    }
}
