using Aibench.Client.Persistence;
using Aibench.Client.Reports;
using Aibench.Contracts;
using Aibench.Contracts.Client;
using Aibench.Shared.Api;
using Aibench.Shared.Reports;
using FluentValidation;
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

internal sealed class GetBenchmarkComparisonValidator : AbstractValidator<GetBenchmarkComparison>
{
    public GetBenchmarkComparisonValidator() =>
        RuleFor(q => q.BenchmarkIds).Must(ids => ids.Count is >= 2 and <= BenchmarkComparison.MaxRuns && ids.Distinct().Count() == ids.Count)
            .WithMessage(q => $"ids: {q.BenchmarkIds.Count} run(s) given; a comparison takes 2 to {BenchmarkComparison.MaxRuns} different ones.")
            .OverridePropertyName("ids");
}

internal sealed class CompareBenchmarksHandler(IDbContextFactory<ClientDbContext> dbFactory, TimeProvider time)
    : IQueryHandler<CompareBenchmarks, ReportFile>, IQueryHandler<GetBenchmarkComparison, IReadOnlyList<ReportPart>>
{
    public async ValueTask<ReportFile> Handle(CompareBenchmarks query, CancellationToken cancellationToken) =>
        ReportFile.Of(BenchmarkComparison.Document(await LoadAsync(query.Ids, cancellationToken), time.GetUtcNow()),
            $"aibench-comparison-{query.Ids[0]}", query.Format);

    public async ValueTask<IReadOnlyList<ReportPart>> Handle(GetBenchmarkComparison query, CancellationToken cancellationToken) =>
        [.. BenchmarkComparison.Document(await LoadAsync(query.BenchmarkIds, cancellationToken), time.GetUtcNow()).Sections
            .Select(s => new ReportPart(s.Id, s.Title, ReportHtml.Section(s), ReportMarkdown.Section(s), s.InSummary))];

    private async Task<List<BenchmarkReportInput>> LoadAsync(IReadOnlyList<Guid> ids, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var runs = new List<BenchmarkReportInput>();
        foreach (var id in ids)
        {
            runs.Add(await BenchmarkReportSource.LoadAsync(db, id, ct));
        }

        return runs;
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/benchmarks/compare/report", async Task<FileContentHttpResult> (string? ids, string? format, ISender sender,
                CancellationToken ct) => ReportResults.Inline(await
                    sender.Send(new CompareBenchmarks(IdList.Parse(ids, "ids", "a run id"), format ?? "html"), ct)))
            .WithName("CompareBenchmarks")
            .WithSummary("Comparison report of 2 to 8 finished runs (?ids=a,b,… the first is the baseline; ?format=html or md): what differed, "
                + "each headline number side by side with its change, and whether the change is beyond the runs' own noise.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
}
