using Aibench.Contracts.Monitor;
using Aibench.Monitor.Persistence;
using MetricSeries = Aibench.Monitor.Persistence.MetricSeries;
using Aibench.Tests.Infrastructure;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Aibench.Tests.Monitor;

/// <summary>The Contracts query for a service's latency histograms over a window, against stored samples.</summary>
[Collection(nameof(HostCollection))]
public sealed class ServerLatenciesQueryTests(SqliteHost host) : IClassFixture<SqliteHost>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ISender Sender => host.Factory.Services.GetRequiredService<ISender>();

    [Fact]
    public async Task A_long_window_is_taken_between_its_edge_scrapes_and_the_closing_scrape_is_reported()
    {
        // One replica scraped every 5 s for an hour; 2 requests finish per scrape interval, each with 0.1 s in the queue.
        var service = Guid.NewGuid();
        var start = DateTimeOffset.UtcNow.AddHours(-2);
        const string labels = "{job=\"service\",model_name=\"m\",node=\"n1\",replica=\"0\"}";
        MetricSeries Series(string name, string seriesLabels, Func<int, double> value) => new()
        {
            ServiceId = service, Name = name, Labels = seriesLabels,
            Samples = [.. Enumerable.Range(0, 721).Select(i => new MetricSample { TimestampMs = start.AddSeconds(5 * i).ToUnixTimeMilliseconds(),
                Value = value(i) })],
        };
        await using (var db = await host.Factory.Services.GetRequiredService<IDbContextFactory<MonitorDbContext>>().CreateDbContextAsync(Ct))
        {
            db.Series.AddRange(
                Series("vllm:request_queue_time_seconds_count", labels, i => 2 * i),
                Series("vllm:request_queue_time_seconds_sum", labels, i => 0.2 * i),
                Series("vllm:request_queue_time_seconds_bucket", labels.Replace("{", "{le=\"0.3\",", StringComparison.Ordinal), i => 2 * i),
                Series("vllm:request_queue_time_seconds_bucket", labels.Replace("{", "{le=\"+Inf\",", StringComparison.Ordinal), i => 2 * i));
            await db.SaveChangesAsync(Ct);
        }

        // The window 10:02.5 .. 50:02.5 into the hour: the scrapes at 10:05 and 50:05 bound it.
        var latencies = await Sender.Send(new GetServerLatencies(service, start.AddSeconds(602.5), start.AddSeconds(3002.5)), Ct);

        Assert.Equal(start.AddSeconds(605).ToUnixTimeMilliseconds(), latencies.From!.Value.ToUnixTimeMilliseconds());
        Assert.Equal(start.AddSeconds(3005).ToUnixTimeMilliseconds(), latencies.To!.Value.ToUnixTimeMilliseconds());
        Assert.Equal(2 * 480, latencies.Queue!.Count);
        Assert.Equal(100, latencies.Queue.MeanMs, 3);
        Assert.Equal((0.0, 300.0), (latencies.Queue.P50!.BucketFromMs, latencies.Queue.P50.BucketToMs));
        Assert.Null(latencies.Prefill);
        Assert.Equal(1, latencies.Targets);
        Assert.True(latencies.Exported && latencies.Closed);

        // A window whose end no scrape has reached yet is not closed: the experiment waits for that scrape.
        var open = await Sender.Send(new GetServerLatencies(service, start.AddSeconds(3000), start.AddSeconds(3700)), Ct);
        Assert.True(open.Exported);
        Assert.False(open.Closed);

        var unknown = await Sender.Send(new GetServerLatencies(Guid.NewGuid(), start, start.AddHours(1)), Ct);
        Assert.False(unknown.Exported);
        Assert.Null(unknown.Queue);
    }

    [Fact]
    public async Task A_window_that_ends_before_it_starts_is_refused_naming_to()
    {
        var now = DateTimeOffset.UtcNow;
        var error = await Assert.ThrowsAsync<ValidationException>(async ()
            => await Sender.Send(new GetServerLatencies(Guid.NewGuid(), now, now.AddSeconds(-1)), Ct));
        Assert.Contains(error.Errors, e => e.PropertyName == "to");
    }
}
