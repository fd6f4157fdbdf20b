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

/// <summary>A run's report as a file: <c>html</c> (one self-contained page) or <c>md</c> (the summary to paste).</summary>
public sealed record DownloadBenchmarkReport(Guid Id, string Format) : IQuery<ReportFile>;

internal sealed class DownloadBenchmarkReportValidator : AbstractValidator<DownloadBenchmarkReport>
{
    public DownloadBenchmarkReportValidator() => RuleFor(q => q.Format).Must(ReportFile.Known)
        .WithMessage(q => ReportFile.Unknown(q.Format)).OverridePropertyName("format");
}

internal sealed class DownloadBenchmarkReportHandler(IDbContextFactory<ClientDbContext> dbFactory, TimeProvider time)
    : IQueryHandler<DownloadBenchmarkReport, ReportFile>, IQueryHandler<GetBenchmarkReport, BenchmarkReportParts?>
{
    public async ValueTask<ReportFile> Handle(DownloadBenchmarkReport query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var run = await BenchmarkReportSource.LoadAsync(db, query.Id, cancellationToken);
        var report = BenchmarkReport.Document(run, time.GetUtcNow(), $"/benchmarks/{run.Id}");
        return ReportFile.Of(report, $"aibench-run-{run.Id}", query.Format);
    }

    public async ValueTask<BenchmarkReportParts?> Handle(GetBenchmarkReport query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = await db.Benchmarks.AsNoTracking().Where(r => r.Id == query.BenchmarkId).Select(r => new { r.Id, r.Name, r.Status, r.Summary })
            .SingleOrDefaultAsync(cancellationToken);
        if (row is null) return null;
        if (!row.Status.IsFinished() || row.Summary is null) return new BenchmarkReportParts(row.Id, row.Name, row.Status, []);
        var run = await BenchmarkReportSource.LoadAsync(db, row.Id, cancellationToken);
        return new BenchmarkReportParts(row.Id, row.Name, row.Status, [.. BenchmarkReport.Sections(run)
            .Select(s => new ReportPart(s.Id, s.Title, ReportHtml.Section(s), ReportMarkdown.Section(s), s.InSummary))]);
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/benchmarks/{id:guid}/report", async Task<FileContentHttpResult> (Guid id, string? format, ISender sender, CancellationToken ct)
                => ReportResults.Inline(await sender.Send(new DownloadBenchmarkReport(id, format ?? "html"), ct)))
            .WithName("DownloadBenchmarkReport")
            .WithSummary("A finished run's report: ?format=html (one self-contained file, charts inside) or md (headline summary).")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
}
