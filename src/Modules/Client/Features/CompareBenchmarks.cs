using Aibench.Client.Persistence;
using Aibench.Client.Reports;
using Aibench.Shared.Reports;
using FluentValidation;
using FluentValidation.Results;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Client.Features;

/// <summary>
/// The comparison report of 2 to 8 finished runs, the first the baseline: <c>html</c> or <c>md</c>. An unknown run is a
/// 404, one that has not ended with results a 409.
/// </summary>
public sealed record CompareBenchmarks(IReadOnlyList<Guid> Ids, string Format) : IQuery<ReportFile>;

internal sealed class CompareBenchmarksValidator : AbstractValidator<CompareBenchmarks>
{
    public CompareBenchmarksValidator()
    {
        RuleFor(q => q.Ids).Must(ids => ids.Count is >= 2 and <= BenchmarkComparison.MaxRuns)
            .WithMessage(q => $"ids: {q.Ids.Count} run(s) given; a comparison takes 2 to {BenchmarkComparison.MaxRuns}.").OverridePropertyName("ids");
        RuleFor(q => q.Ids).Must(ids => ids.Distinct().Count() == ids.Count)
            .WithMessage("ids: a run is named twice.").OverridePropertyName("ids");
        RuleFor(q => q.Format).Must(ReportFile.Known).WithMessage(q => ReportFile.Unknown(q.Format)).OverridePropertyName("format");
    }
}

internal sealed class CompareBenchmarksHandler(IDbContextFactory<ClientDbContext> dbFactory, TimeProvider time)
    : IQueryHandler<CompareBenchmarks, ReportFile>
{
    public async ValueTask<ReportFile> Handle(CompareBenchmarks query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var runs = new List<BenchmarkReportInput>();
        foreach (var id in query.Ids)
        {
            runs.Add(await BenchmarkReportSource.LoadAsync(db, id, cancellationToken));
        }

        return ReportFile.Of(BenchmarkComparison.Document(runs, time.GetUtcNow()), $"aibench-comparison-{query.Ids[0]}", query.Format);
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/benchmarks/compare/report", async Task<FileContentHttpResult> (string? ids, string? format, ISender sender,
                CancellationToken ct) => ReportResults.Inline(await sender.Send(new CompareBenchmarks(ParseIds(ids), format ?? "html"), ct)))
            .WithName("CompareBenchmarks")
            .WithSummary("Comparison report of 2 to 8 finished runs (?ids=a,b,… the first is the baseline; ?format=html or md): what differed, "
                + "each headline number side by side with its change, and whether the change is beyond the runs' own noise.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

    private static List<Guid> ParseIds(string? ids)
    {
        var parts = (ids ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var bad = parts.Where(p => !Guid.TryParse(p, out _)).ToList();
        if (bad.Count > 0)
        {
            throw new ValidationException([new ValidationFailure("ids", $"ids: '{bad[0]}' is not a run id (a GUID).")]);
        }

        return [.. parts.Select(Guid.Parse)];
    }
}
