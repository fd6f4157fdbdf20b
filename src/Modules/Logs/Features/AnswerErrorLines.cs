using System.Globalization;
using Aibench.Contracts.Logs;
using Aibench.Logs.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Logs.Features;

/// <summary>Answers the Contracts query for an experiment's first error lines (its report shows them).</summary>
internal sealed class AnswerErrorLines(IDbContextFactory<LogsDbContext> dbFactory) : IQueryHandler<GetErrorLines, IReadOnlyList<string>>
{
    public async ValueTask<IReadOnlyList<string>> Handle(GetErrorLines query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var lines = await db.Lines.AsNoTracking().Where(l => l.ExperimentId == query.Experiment && (l.Level == "error" || l.Level == "critical"))
            .OrderBy(l => l.Id).Take(Math.Clamp(query.Limit, 1, 1000))
            .Select(l => new { l.Timestamp, l.Node, l.Task, l.Text }).ToListAsync(cancellationToken);
        return [.. lines.Select(l => $"{l.Timestamp.UtcDateTime.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)} "
            + $"{l.Node ?? "?"}{(l.Task is { } t ? $"/{t}" : "")} {l.Text}")];
    }
}
