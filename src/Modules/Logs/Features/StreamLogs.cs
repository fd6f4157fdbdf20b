using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Aibench.Logs.Persistence;
using Aibench.Logs.Tailing;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Logs.Features;

/// <summary>
/// Live lines of a service, experiment or benchmark (its load-generator workers): the last <paramref name="Tail"/> lines first (or, when the client
/// resumes,
/// every line after <paramref name="After"/>), then each new line as it is stored.
/// </summary>
/// <param name="After">The id of the last line the client has (SSE's Last-Event-ID).</param>
/// <param name="Task">
/// Only this task's lines; all when null. A replica's, unless <paramref name="Benchmark"/> is given: then a
/// load-generator worker's (an experiment's workers number their tasks from 0 too).
/// </param>
public sealed record StreamLogs(Guid? Service, Guid? Experiment, long? After, int Tail = 100, int? Task = null, Guid? Benchmark = null)
    : IStreamQuery<LogLineView>;

internal sealed class StreamLogsValidator : AbstractValidator<StreamLogs>
{
    public StreamLogsValidator()
    {
        RuleFor(q => q.Service).NotNull().When(q => q.Experiment is null && q.Benchmark
            is null).WithMessage("Give 'service', 'experiment' or 'benchmark'.");
        RuleFor(q => q.Tail).InclusiveBetween(0, 10_000).OverridePropertyName("tail");
        RuleFor(q => q.After).GreaterThanOrEqualTo(0).OverridePropertyName("Last-Event-ID");
        RuleFor(q => q.Task).GreaterThanOrEqualTo(0).OverridePropertyName("task");
    }
}

internal sealed class StreamLogsHandler(IDbContextFactory<LogsDbContext> dbFactory, LogBroadcaster broadcaster, StreamLogsValidator validator)
    : IStreamQueryHandler<StreamLogs, LogLineView>
{
    private const int PageSize = 5_000;

    public async IAsyncEnumerable<LogLineView> Handle(StreamLogs query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Stream queries skip the validation pipeline; the same rules apply all the same.
        await validator.ValidateAndThrowAsync(query, cancellationToken);
        bool Wanted(LogLineView l) => (query.Service is null || l.ServiceId == query.Service)
            && (query.Experiment is null || l.ExperimentId == query.Experiment)
            && (query.Benchmark is null || l.BenchmarkId == query.Benchmark)
            && (query.Task is null || (l.Task == query.Task && (query.Benchmark is not null || l.BenchmarkId is null)));

        // Subscribe before reading the backlog, so no line falls between the two; ids drop the overlap.
        using var live = broadcaster.Subscribe(Wanted);
        var last = query.After ?? 0;
        if (query.After is { } after)
        {
            await foreach (var line in StoredAsync(query, after, long.MaxValue, cancellationToken))
            {
                last = line.Id;
                yield return line;
            }
        }
        else
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var backlog = await Filter(db, query).OrderByDescending(l => l.Id).Take(query.Tail).ToListAsync(cancellationToken);
            foreach (var line in Enumerable.Reverse(backlog))
            {
                last = line.Id;
                yield return ListLogsHandler.View(line);
            }
        }

        await foreach (var batch in live.ReadAllAsync(cancellationToken))
        {
            // Lines this client was too slow for were dropped from its buffer; they are in the store.
            if (live.DroppedUpTo > last)
            {
                await foreach (var line in StoredAsync(query, last, batch.Count > 0 ? batch[0].Id : long.MaxValue, cancellationToken))
                {
                    last = line.Id;
                    yield return line;
                }
            }

            foreach (var line in batch)
            {
                if (line.Id > last)
                {
                    last = line.Id;
                    yield return line;
                }
            }
        }
    }

    private static IQueryable<LogLine> Filter(LogsDbContext db, StreamLogs query)
    {
        var lines = db.Lines.AsNoTracking();
        if (query.Service is { } service) lines = lines.Where(l => l.ServiceId == service);
        if (query.Experiment is { } experiment) lines = lines.Where(l => l.ExperimentId == experiment);
        if (query.Benchmark is { } benchmark) lines = lines.Where(l => l.BenchmarkId == benchmark);
        if (query.Task is { } task)
        {
            lines = query.Benchmark is null ? lines.Where(l => l.Task == task && l.BenchmarkId == null) : lines.Where(l => l.Task == task);
        }

        return lines;
    }

    /// <summary>Stored lines with ids in (after, before), page by page, so a long gap never sits in memory at once.</summary>
    private async IAsyncEnumerable<LogLineView> StoredAsync(StreamLogs query, long after, long before, [EnumeratorCancellation] CancellationToken
        cancellationToken)
    {
        while (true)
        {
            List<LogLine> page;
            await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
            {
                page = await Filter(db, query).Where(l => l.Id > after && l.Id < before).OrderBy(l
                    => l.Id).Take(PageSize).ToListAsync(cancellationToken);
            }

            foreach (var line in page)
            {
                yield return ListLogsHandler.View(line);
            }

            if (page.Count < PageSize)
            {
                yield break;
            }

            after = page[^1].Id;
        }
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/logs/stream", (Guid? service, Guid? experiment, Guid? benchmark, int? tail, int? task, HttpRequest request, ISender sender,
            CancellationToken ct) =>
            {
                long? after = long.TryParse(request.Headers["Last-Event-ID"].ToString(), out var id) ? id : null;
                var lines = sender.CreateStream(new StreamLogs(service, experiment, after, tail ?? 100, task, benchmark), ct);
                return TypedResults.ServerSentEvents(Items(lines, ct));
            })
            .WithName("StreamLogs")
            .WithSummary("Live log lines as server-sent events (event 'line', id = line id): the last ?tail= lines, then new ones (?task= for one "
                + "replica); resumes after Last-Event-ID.")
            .ProducesValidationProblem();

    private static async IAsyncEnumerable<SseItem<LogLineView>> Items(IAsyncEnumerable<LogLineView> lines, [EnumeratorCancellation] CancellationToken
        ct)
    {
        await foreach (var line in lines.WithCancellation(ct))
        {
            yield return new SseItem<LogLineView>(line, "line") { EventId = line.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        }
    }
}
