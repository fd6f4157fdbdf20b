using Aibench.Logs.Persistence;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Logs.Features;

/// <summary>
/// Stored log lines in arrival order, filtered; paged by cursor (the id of the last line seen), so that lines
/// arriving while a client pages are neither skipped nor repeated as they would be with an offset.
/// </summary>
public sealed record ListLogs(
    Guid? Service = null,
    Guid? Experiment = null,
    string? Stream = null,
    string? Level = null,
    string? Q = null,
    DateTimeOffset? Since = null,
    DateTimeOffset? Until = null,
    long? Cursor = null,
    int Limit = ListLogs.DefaultLimit,
    Guid? Benchmark = null) : IQuery<LogPage>
{
    public const int DefaultLimit = 500;
    public static readonly string[] Streams = ["stdout", "stderr"];
    public static readonly string[] Levels = ["debug", "info", "warning", "error", "critical"];
}

public sealed record LogPage(IReadOnlyList<LogLineView> Lines, long? NextCursor);

/// <param name="BenchmarkId">Set on the output of a benchmark's load-generator workers (which has no service).</param>
public sealed record LogLineView(long Id, Guid? ServiceId, Guid? ExperimentId, string? Node, int? Task, string Stream, string? Level,
    DateTimeOffset Timestamp, string Text, Guid? BenchmarkId = null);

internal sealed class ListLogsValidator : AbstractValidator<ListLogs>
{
    public ListLogsValidator()
    {
        RuleFor(q => q.Stream).Must(s => s is null || ListLogs.Streams.Contains(s))
            .WithMessage($"'stream' must be one of: {string.Join(", ", ListLogs.Streams)}.");
        RuleFor(q => q.Level).Must(l => l is null || ListLogs.Levels.Contains(l))
            .WithMessage($"'level' must be one of: {string.Join(", ", ListLogs.Levels)}.");
        RuleFor(q => q.Q).MaximumLength(512);
        RuleFor(q => q.Cursor).GreaterThanOrEqualTo(0);
        RuleFor(q => q.Limit).InclusiveBetween(1, 10_000);
        RuleFor(q => q.Until).GreaterThanOrEqualTo(q => q.Since).When(q => q.Since is not null && q.Until is not null)
            .WithMessage("'until' must not be before 'since'.");
    }
}

internal sealed class ListLogsHandler(IDbContextFactory<LogsDbContext> dbFactory) : IQueryHandler<ListLogs, LogPage>
{
    public static LogLineView View(LogLine l) => new(l.Id, l.ServiceId, l.ExperimentId, l.Node, l.Task, l.Stream, l.Level, l.Timestamp, l.Text,
        l.BenchmarkId);

    public async ValueTask<LogPage> Handle(ListLogs query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var lines = db.Lines.AsNoTracking();
        if (query.Service is { } service) lines = lines.Where(l => l.ServiceId == service);
        if (query.Experiment is { } experiment) lines = lines.Where(l => l.ExperimentId == experiment);
        if (query.Benchmark is { } benchmark) lines = lines.Where(l => l.BenchmarkId == benchmark);
        if (query.Stream is { } stream) lines = lines.Where(l => l.Stream == stream);
        if (query.Level is { } level) lines = lines.Where(l => l.Level == level);
        if (query.Q is { Length: > 0 } text) lines = lines.Where(l => l.Text.Contains(text));
        if (query.Since is { } since) lines = lines.Where(l => l.Timestamp >= since);
        if (query.Until is { } until) lines = lines.Where(l => l.Timestamp <= until);
        if (query.Cursor is { } cursor) lines = lines.Where(l => l.Id > cursor);

        // One more than asked tells whether another page exists without a count query.
        var page = await lines.OrderBy(l => l.Id).Take(query.Limit + 1)
            .Select(l => new LogLineView(l.Id, l.ServiceId, l.ExperimentId, l.Node, l.Task, l.Stream, l.Level, l.Timestamp, l.Text, l.BenchmarkId))
            .ToListAsync(cancellationToken);
        var more = page.Count > query.Limit;
        if (more)
        {
            page.RemoveAt(page.Count - 1);
        }

        return new LogPage(page, more ? page[^1].Id : null);
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/logs", async Task<Ok<LogPage>> (
                Guid? service, Guid? experiment, Guid? benchmark, string? stream, string? level, string? q,
                DateTimeOffset? since, DateTimeOffset? until, long? cursor, int? limit, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(
                    new ListLogs(service, experiment, stream, level, q, since, until, cursor, limit ?? ListLogs.DefaultLimit, benchmark), ct)))
            .WithName("ListLogs")
            .WithSummary("Stored log lines in arrival order (?benchmark= for a benchmark's load-generator workers); pass nextCursor back as ?cursor= "
                + "for the next page.")
            .ProducesValidationProblem();
}
