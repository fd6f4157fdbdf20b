// Long file: the forwarder's tests share one host and one fake Loki (LokiHost), which checks Loki's push protocol;
// split into classes, each would start its own.

using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Aibench.Logs;
using Aibench.Logs.Loki;
using Aibench.Logs.Persistence;
using Aibench.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aibench.Tests.Logs;

/// <summary>The Loki forwarder against a local receiver that checks every push against Loki's documented push format.</summary>
[Collection(nameof(HostCollection))]
public sealed partial class LokiForwarderTests(LokiForwarderTests.LokiHost host) : IClassFixture<LokiForwarderTests.LokiHost>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Lines_arrive_labelled_per_stream_and_in_time_order()
    {
        var prefix = Prefix();
        var service = Guid.NewGuid();
        var experiment = Guid.NewGuid();
        // Whole milliseconds: that is what the SQLite column keeps.
        var t0 = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        await host.AddAsync(
            Line(prefix + "b", t0.AddMilliseconds(2), service, experiment, "node1", "stdout", "info"),
            Line(prefix + "a", t0.AddMilliseconds(1), service, experiment, "node1", "stdout", "info"),
            Line(prefix + "c", t0.AddMilliseconds(3), service, experiment, "node1", "stdout", "info"),
            Line(prefix + "boom", t0.AddMilliseconds(4), service, null, null, "stderr", "error"));
        await host.DrainAsync();

        // Older than what Loki has of its stream: sent with the stream's newest time rather than refused.
        await host.AddAsync(Line(prefix + "late", t0, service, experiment, "node1", "stdout", "info"));
        await host.DrainAsync();

        Assert.Empty(host.Loki.SchemaErrors);
        var stdout = host.Loki.Entries(prefix).Where(e => e.Labels["stream"] == "stdout").ToList();
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["job"] = "aibench", ["service"] = service.ToString(), ["experiment"] = experiment.ToString(),
                ["node"] = "node1", ["stream"] = "stdout", ["level"] = "info",
            },
            stdout[0].Labels);
        Assert.Equal([prefix + "a", prefix + "b", prefix + "c", prefix + "late"], stdout.Select(e => e.Line));
        Assert.Equal([Nanos(t0.AddMilliseconds(1)), Nanos(t0.AddMilliseconds(2)), Nanos(t0.AddMilliseconds(3)), Nanos(t0.AddMilliseconds(3))],
            stdout.Select(e => e.Nanos));

        var stderr = Assert.Single(host.Loki.Entries(prefix), e => e.Labels["stream"] == "stderr");
        Assert.Equal(
            new Dictionary<string, string> { ["job"] = "aibench", ["service"] = service.ToString(), ["stream"] = "stderr", ["level"] = "error" },
            stderr.Labels);
        Assert.All(host.Loki.Tenants, t => Assert.Equal("lab-1", t));

        await using var db = await host.Db();
        Assert.Equal(await db.Lines.MaxAsync(l => l.Id, Ct), (await db.LokiPositions.SingleAsync(Ct)).LastId);
    }

    [Fact]
    public async Task An_outage_delays_lines_but_delivers_each_exactly_once()
    {
        var prefix = Prefix();
        var t0 = DateTimeOffset.UtcNow;
        host.Loki.Answer = _ => 503;
        await host.AddAsync([.. Enumerable.Range(0, 23).Select(i
            => Line($"{prefix}{i}", t0.AddMilliseconds(i), Guid.Empty, null, "n", "stdout", null))]);

        var forwarder = host.Forwarder;
        var failed = await forwarder.ForwardOnceAsync(Ct);
        Assert.True(failed.Failed);
        Assert.Equal(0, failed.Sent);
        Assert.Empty(host.Loki.Entries(prefix));
        Assert.InRange(forwarder.NextDelay, TimeSpan.FromSeconds(0.7), TimeSpan.FromSeconds(61));

        // Loki comes back flaky: every other push fails, mid-way through the backlog.
        var pushes = 0;
        host.Loki.Answer = _ => Interlocked.Increment(ref pushes) % 2 == 0 ? 503 : 204;
        for (var i = 0; i < 40 && host.Loki.Entries(prefix).Count < 23; i++)
        {
            await forwarder.ForwardOnceAsync(Ct);
        }

        host.Loki.Answer = _ => 204;
        await host.DrainAsync();

        Assert.Empty(host.Loki.SchemaErrors);
        var counts = host.Loki.Entries(prefix).GroupBy(e => e.Line).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(Enumerable.Range(0, 23).Select(i => $"{prefix}{i}").Order(), counts.Keys.Order());
        Assert.All(counts.Values, c => Assert.Equal(1, c));
    }

    [Fact]
    public async Task Lines_written_while_loki_is_down_are_delivered_once_when_it_is_back()
    {
        var prefix = Prefix();
        var t0 = DateTimeOffset.UtcNow;
        await host.Loki.StopAsync();
        try
        {
            await host.AddAsync([.. Enumerable.Range(0, 7).Select(i
                => Line($"{prefix}{i}", t0.AddMilliseconds(i), null, null, null, "stderr", null))]);
            Assert.True((await host.Forwarder.ForwardOnceAsync(Ct)).Failed);
            Assert.True((await host.Forwarder.ForwardOnceAsync(Ct)).Failed);
        }
        finally
        {
            await host.Loki.StartAsync();
        }

        await host.DrainAsync();
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"{prefix}{i}"), host.Loki.Entries(prefix).Select(e => e.Line));
    }

    [Fact]
    public async Task Host_log_events_reach_loki_labelled_with_their_level()
    {
        var marker = Prefix();
        host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("LokiTest").LogWarning("Marker {Marker}", marker);

        // Another test of this class stops the shared Loki for a while; the host sink may then be in its back-off, which
        // grows to 60 s after repeated failures (LokiHostSink). The marker must arrive within that plus a push interval.
        var deadline = DateTime.UtcNow.AddSeconds(75);
        while (DateTime.UtcNow < deadline && !host.Loki.HostEntries().Any(e => e.Line.Contains(marker, StringComparison.Ordinal)))
        {
            await Task.Delay(100, Ct);
        }

        var entry = Assert.Single(host.Loki.HostEntries(), e => e.Line.Contains(marker, StringComparison.Ordinal));
        Assert.Equal(new Dictionary<string, string> { ["job"] = "aibench-host", ["level"] = "warn" }, entry.Labels);
        Assert.Empty(host.Loki.SchemaErrors);
    }

    [Fact]
    public async Task Lines_loki_refuses_are_dropped_alone_and_counted()
    {
        var prefix = Prefix();
        var t0 = DateTimeOffset.UtcNow;
        var droppedBefore = LokiForwarder.DroppedTotal.Value;
        host.Loki.Answer = lines => lines.Any(l => l.Contains("POISON", StringComparison.Ordinal)) ? 400 : 204;
        try
        {
            await host.AddAsync([.. Enumerable.Range(0, 12).Select(i =>
                Line(i is 3 or 10 ? $"{prefix}{i} POISON" : $"{prefix}{i}", t0.AddMilliseconds(i), Guid.Empty, null, "n", "stdout", null))]);
            var result = await host.DrainAsync();

            // The recurring forward job may have met the refused lines first: the drain then drops fewer, the total is the same.
            Assert.InRange(result.Dropped, 0, 2);
            Assert.Equal(2, LokiForwarder.DroppedTotal.Value - droppedBefore);
            Assert.Equal(Enumerable.Range(0, 12).Where(i => i is not 3 and not 10).Select(i => $"{prefix}{i}"),
                host.Loki.Entries(prefix).Select(e => e.Line));
        }
        finally
        {
            host.Loki.Answer = _ => 204;
        }
    }

    [Fact]
    public void Bad_settings_are_errors_naming_their_key()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Logs:Loki:Url"] = "ftp://loki",
            ["Logs:Loki:BatchSize"] = "0",
            ["Logs:Loki:Interval"] = "soon",
            ["Logs:Loki:ForwardHostLogs"] = "maybe",
            ["Logs:Loki:Tenant"] = "x",
            ["Logs:Tailer"] = "x",
        }).Build();
        var errors = new List<string>();
        LogsSettings.Load(configuration, errors);

        foreach (var key in new[] { "Url", "BatchSize", "Interval", "ForwardHostLogs", "Tenant" })
        {
            Assert.Single(errors, e => e.StartsWith($"Logs:Loki:{key}:", StringComparison.Ordinal));
        }

        Assert.Single(errors, e => e.StartsWith("Logs:Tailer:", StringComparison.Ordinal));
        Assert.Equal(6, errors.Count);
    }

    [Fact]
    public void Without_a_url_the_forwarder_is_off_and_defaults_apply()
    {
        var errors = new List<string>();
        var settings = LogsSettings.Load(new ConfigurationBuilder().Build(), errors).Loki;

        Assert.Empty(errors);
        Assert.Equal(new LokiSettings(null, 1000, TimeSpan.FromSeconds(1), null, false), settings);
        Assert.False(settings.Enabled);
    }

    private static string Prefix() => $"t{Guid.NewGuid():N}-";

    private static string Nanos(DateTimeOffset t) => LokiClient.ToUnixNanos(t).ToString(CultureInfo.InvariantCulture);

    private static LogLine Line(string text, DateTimeOffset at, Guid? service, Guid? experiment, string? node, string stream, string? level) =>
        new() { Text = text, Timestamp = at, ServiceId = service, ExperimentId = experiment, Node = node, Stream = stream, Level = level };

    /// <summary>A host whose forwarder points at <see cref="Loki"/>, in small batches so that one backlog takes several pushes.</summary>
    public sealed class LokiHost : IAsyncLifetime
    {
        private AibenchFactory? _factory;

        public FakeLoki Loki { get; } = new();

        internal LokiForwarder Forwarder => _factory!.Services.GetRequiredService<LokiForwarder>();

        internal IServiceProvider Services => _factory!.Services;

        public async ValueTask InitializeAsync()
        {
            await Loki.StartAsync();
            _factory = new AibenchFactory(settings: new Dictionary<string, string?>
            {
                ["Logs:Loki:Url"] = Loki.Url.ToString(),
                ["Logs:Loki:BatchSize"] = "5",
                ["Logs:Loki:TenantId"] = "lab-1",
                ["Logs:Loki:ForwardHostLogs"] = "true",
            });
            _ = _factory.Server;
        }

        internal async Task<LogsDbContext> Db() =>
            await _factory!.Services.GetRequiredService<IDbContextFactory<LogsDbContext>>().CreateDbContextAsync(Ct);

        internal async Task AddAsync(params LogLine[] lines)
        {
            await using var db = await Db();
            db.Lines.AddRange(lines);
            await db.SaveChangesAsync(Ct);
        }

        /// <summary>Forwards until nothing is left; the recurring job may forward some lines meanwhile, which changes nothing here.</summary>
        internal async Task<ForwardResult> DrainAsync()
        {
            var result = await Forwarder.ForwardOnceAsync(Ct);
            Assert.False(result.Failed);
            return result;
        }

        public async ValueTask DisposeAsync()
        {
            if (_factory is not null)
            {
                await _factory.DisposeAsync();
            }

            await Loki.DisposeAsync();
        }
    }

    public sealed record Entry(Dictionary<string, string> Labels, string Nanos, string Line);

    /// <summary>
    /// Accepts pushes the way Loki documents them (POST /loki/api/v1/push, JSON) and records what it stored. Whatever
    /// breaks the format, or an entry older than the stream's newest (Loki's ordered writes), is a schema error.
    /// </summary>
    public sealed partial class FakeLoki : IAsyncDisposable
    {
        private readonly Lock _gate = new();
        private WebApplication? _app;
        private readonly List<Entry> _entries = [];
        private readonly Dictionary<string, long> _newest = [];

        /// <summary>Status for a push of these lines; 204 stores them.</summary>
        public Func<IReadOnlyList<string>, int> Answer { get; set; } = _ => 204;

        public ConcurrentQueue<string> SchemaErrors { get; } = new();

        public ConcurrentQueue<string?> Tenants { get; } = new();

        public Uri Url { get; private set; } = null!;

        public List<Entry> HostEntries()
        {
            lock (_gate)
            {
                return [.. _entries.Where(e => e.Labels.GetValueOrDefault("job") == "aibench-host")];
            }
        }

        /// <summary>Starts listening: on a free port the first time, on the same port after <see cref="StopAsync"/>.</summary>
        public async Task StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls(Url is null ? "http://127.0.0.1:0" : Url.ToString());
            builder.Logging.ClearProviders();
            _app = builder.Build();
            _app.MapPost("/loki/api/v1/push", Push);
            await _app.StartAsync();
            Url = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        }

        /// <summary>Stops listening: connections are refused until the next start.</summary>
        public async Task StopAsync()
        {
            if (_app is not null)
            {
                await _app.DisposeAsync();
                _app = null;
            }
        }

        public List<Entry> Entries(string prefix)
        {
            lock (_gate)
            {
                return [.. _entries.Where(e => e.Line.StartsWith(prefix, StringComparison.Ordinal))];
            }
        }

        private async Task<IResult> Push(HttpRequest request)
        {
            if (request.ContentType?.StartsWith("application/json", StringComparison.Ordinal) != true)
            {
                SchemaErrors.Enqueue($"content type {request.ContentType}");
            }

            Tenants.Enqueue(request.Headers["X-Scope-OrgID"].FirstOrDefault());
            using var body = await JsonDocument.ParseAsync(request.Body);
            var streams = Parse(body.RootElement);
            if (streams is null)
            {
                return Results.BadRequest("malformed");
            }

            var status = Answer([.. streams.SelectMany(s => s.Values.Select(v => v.Line))]);
            if (status != 204)
            {
                return Results.Text("entry too far behind", statusCode: status);
            }

            lock (_gate)
            {
                foreach (var (labels, values) in streams)
                {
                    var key = string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));
                    foreach (var (nanos, line) in values)
                    {
                        var n = long.Parse(nanos, CultureInfo.InvariantCulture);
                        if (_newest.TryGetValue(key, out var newest) && n < newest)
                        {
                            SchemaErrors.Enqueue($"out of order in {key}: {n} < {newest}");
                        }

                        _newest[key] = Math.Max(n, newest);
                        _entries.Add(new Entry(labels, nanos, line));
                    }
                }
            }

            return Results.NoContent();
        }

        private List<(Dictionary<string, string> Labels, List<(string Nanos, string Line)> Values)>? Parse(JsonElement root)
        {
            var errors = SchemaErrors.Count;
            var streams = new List<(Dictionary<string, string>, List<(string, string)>)>();
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("streams", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                SchemaErrors.Enqueue("no streams array");
                return null;
            }

            foreach (var stream in list.EnumerateArray())
            {
                if (!stream.TryGetProperty("stream", out var labelObject) || labelObject.ValueKind != JsonValueKind.Object
                    || !stream.TryGetProperty("values", out var values) || values.ValueKind != JsonValueKind.Array)
                {
                    SchemaErrors.Enqueue("stream without stream object or values array");
                    continue;
                }

                var labels = new Dictionary<string, string>();
                foreach (var label in labelObject.EnumerateObject())
                {
                    if (!LabelName().IsMatch(label.Name) || label.Value.ValueKind != JsonValueKind.String)
                    {
                        SchemaErrors.Enqueue($"bad label {label.Name}");
                    }

                    labels[label.Name] = label.Value.ToString();
                }

                var entries = new List<(string, string)>();
                long previous = long.MinValue;
                foreach (var value in values.EnumerateArray())
                {
                    if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() != 2
                        || value[0].ValueKind != JsonValueKind.String || value[1].ValueKind != JsonValueKind.String
                        || !Decimal().IsMatch(value[0].GetString()!))
                    {
                        SchemaErrors.Enqueue($"bad value {value}");
                        continue;
                    }

                    var nanos = long.Parse(value[0].GetString()!, CultureInfo.InvariantCulture);
                    if (nanos < previous)
                    {
                        SchemaErrors.Enqueue($"entries out of order within a stream: {nanos} < {previous}");
                    }

                    previous = nanos;
                    entries.Add((value[0].GetString()!, value[1].GetString()!));
                }

                streams.Add((labels, entries));
            }

            return SchemaErrors.Count == errors ? streams : null;
        }

        public async ValueTask DisposeAsync() => await StopAsync();

        [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
        private static partial Regex LabelName();

        [GeneratedRegex("^[0-9]{1,19}$")]
        private static partial Regex Decimal();
    }
}
