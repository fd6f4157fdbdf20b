using Aibench.Contracts.Monitor;
using Aibench.Monitor.Persistence;
using Aibench.Monitor.Query;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Monitor.Features;

internal sealed class GetServerLatenciesValidator : AbstractValidator<GetServerLatencies>
{
    public GetServerLatenciesValidator()
    {
        RuleFor(q => q.Service).NotEmpty().OverridePropertyName("service");
        RuleFor(q => q.To).GreaterThanOrEqualTo(q => q.From).WithMessage("'to' must not be before 'from'.").OverridePropertyName("to");
    }
}

/// <summary>
/// Answers the Contracts query for a service's own latency histograms over a window (the Experiments module sets them
/// beside the client's TTFT), from this module's stored samples; <see cref="HistogramDelta"/> does the arithmetic.
/// </summary>
internal sealed class AnswerServerLatencies(IDbContextFactory<MonitorDbContext> dbFactory, MonitorSettings settings)
    : IQueryHandler<GetServerLatencies, ServerLatencies>
{
    public const string Ttft = "vllm:time_to_first_token_seconds";
    public const string Queue = "vllm:request_queue_time_seconds";
    public const string Prefill = "vllm:request_prefill_time_seconds";
    public const string Decode = "vllm:request_decode_time_seconds";
    public const string E2e = "vllm:e2e_request_latency_seconds";

    private static readonly string[] Metrics = [Ttft, Queue, Prefill, Decode, E2e];

    private static readonly string[] Names = [.. Metrics.SelectMany(m => new[] { m + "_bucket", m + "_sum", m + "_count" })];

    public async ValueTask<ServerLatencies> Handle(GetServerLatencies query, CancellationToken cancellationToken)
    {
        // The scrape that closes the window comes up to a few intervals after its end (the service stays up a moment
        // for it); a later one could count requests that were not the window's.
        var grace = settings.ScrapeSeconds * 3_000L;
        var (from, to) = (query.From.ToUnixTimeMilliseconds(), query.To.ToUnixTimeMilliseconds());

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var labelsOf = await db.Series.AsNoTracking().Where(s => s.ServiceId == query.Service && Names.Contains(s.Name))
            .ToDictionaryAsync(s => s.Id, s => (s.Name, s.Labels), cancellationToken);
        var ids = labelsOf.Keys.ToList();
        // Only the scrapes at the window's edges matter: a long soak's samples in between are left in the database. (A
        // counter that restarted in between then shows as a drop across the gap and counts from its restart.)
        var (headEnd, tailStart) = (from + grace, Math.Max(from, to - grace));
        var rows = ids.Count == 0 ? [] : await db.Samples.AsNoTracking()
            .Where(x => ids.Contains(x.SeriesId) && x.TimestampMs >= from && x.TimestampMs <= to + grace
                && (x.TimestampMs <= headEnd || x.TimestampMs >= tailStart))
            .OrderBy(x => x.TimestampMs)
            .Select(x => new { x.SeriesId, x.TimestampMs, x.Value })
            .ToListAsync(cancellationToken);
        // The same name and labels under two series rows (a service that joined an experiment later) are one series.
        var series = rows.GroupBy(r => labelsOf[r.SeriesId])
            .Select(g => new StoredSeries(g.Key.Name, g.Key.Labels, [.. g.Select(r => new Point(r.TimestampMs, r.Value))]))
            .ToList();

        var span = HistogramDelta.Span(series, from, to, grace);
        ServerLatency? Of(string metric)
            => HistogramDelta.Latency(metric, [.. series.Where(s => s.Name.StartsWith(metric, StringComparison.Ordinal))], from, to, grace);
        return new ServerLatencies(
            span is { } a ? DateTimeOffset.FromUnixTimeMilliseconds(a.StartMs) : null,
            span is { } b ? DateTimeOffset.FromUnixTimeMilliseconds(b.EndMs) : null,
            HistogramDelta.Targets(series.Where(s => s.Name.EndsWith("_count", StringComparison.Ordinal))),
            Of(Ttft), Of(Queue), Of(Prefill), Of(Decode), Of(E2e),
            Exported: labelsOf.Count > 0,
            Closed: rows.Count > 0 && rows[^1].TimestampMs >= to);
    }
}
