using System.Globalization;
using System.Text;
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
/// Every stored line of a service, experiment or benchmark (its load-generator workers) as a plain text file, one entry per line:
/// <c>&lt;ISO time&gt; &lt;node&gt;/&lt;task&gt; &lt;stream&gt; &lt;level&gt; &lt;text&gt;</c>; a load-generator worker's task is <c>w&lt;n&gt;</c>.
/// </summary>
public sealed record DownloadLogs(Guid? Service, Guid? Experiment, Guid? Benchmark = null) : IQuery<LogsFile>;

/// <summary>A file ready to send.</summary>
public sealed record LogsFile(string FileName, byte[] Content);

internal sealed class DownloadLogsValidator : AbstractValidator<DownloadLogs>
{
    public DownloadLogsValidator() =>
        RuleFor(q => q.Service).NotNull().When(q => q.Experiment is null && q.Benchmark is null)
            .WithMessage("Give 'service', 'experiment' or 'benchmark'.").OverridePropertyName("service");
}

internal sealed class DownloadLogsHandler(IDbContextFactory<LogsDbContext> dbFactory) : IQueryHandler<DownloadLogs, LogsFile>
{
    // Read in pages so that a long run neither hits a page cap nor holds every entity in one tracked query.
    private const int PageSize = 5_000;

    public async ValueTask<LogsFile> Handle(DownloadLogs query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var lines = db.Lines.AsNoTracking();
        if (query.Service is { } service) lines = lines.Where(l => l.ServiceId == service);
        if (query.Experiment is { } experiment) lines = lines.Where(l => l.ExperimentId == experiment);
        if (query.Benchmark is { } benchmark) lines = lines.Where(l => l.BenchmarkId == benchmark);

        var text = new StringBuilder();
        long cursor = 0;
        while (true)
        {
            var after = cursor;
            var page = await lines.Where(l => l.Id > after).OrderBy(l => l.Id).Take(PageSize).ToListAsync(cancellationToken);
            foreach (var line in page)
            {
                Append(text, line);
            }

            if (page.Count < PageSize)
            {
                break;
            }

            cursor = page[^1].Id;
        }

        var id = query.Service ?? query.Experiment ?? query.Benchmark;
        return new LogsFile($"logs-{id}.txt", new UTF8Encoding(false).GetBytes(text.ToString()));
    }

    internal static void Append(StringBuilder text, LogLine line)
    {
        text.Append(line.Timestamp.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)).Append(' ')
            .Append(line.Node ?? "-").Append('/').Append(line.BenchmarkId is not null && line.Task is not null ? "w" : "")
            .Append(line.Task?.ToString(CultureInfo.InvariantCulture) ?? "-").Append(' ')
            .Append(line.Stream).Append(' ')
            .Append(line.Level ?? "-").Append(' ')
            // Continuation lines of a traceback are indented so that each entry still starts with its timestamp.
            .Append(line.Text.ReplaceLineEndings("\n    "))
            .Append('\n');
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/logs/download", async Task<FileContentHttpResult> (Guid? service, Guid? experiment, Guid? benchmark, ISender sender,
            CancellationToken ct) =>
            {
                var file = await sender.Send(new DownloadLogs(service, experiment, benchmark), ct);
                return TypedResults.File(file.Content, "text/plain; charset=utf-8", file.FileName);
            })
            .WithName("DownloadLogs")
            .WithSummary("Every stored line of ?service= or ?experiment= as text, one entry per line: time node/task stream level text.")
            .ProducesValidationProblem();
}
