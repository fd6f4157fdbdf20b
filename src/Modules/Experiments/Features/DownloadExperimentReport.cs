using Aibench.Contracts.Client;
using Aibench.Contracts.Logs;
using Aibench.Contracts.Monitor;
using Aibench.Contracts.Server;
using Aibench.Experiments.Reports;
using Aibench.Shared.Api;
using Aibench.Shared.Reports;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Aibench.Experiments.Features;

/// <summary>
/// A finished experiment's report: <c>html</c> (one self-contained file) or <c>md</c> (the summary). Its load run's
/// sections come from the Client module, its service's metrics from Monitor, its first error lines from Logs.
/// </summary>
public sealed record DownloadExperimentReport(Guid Id, string Format) : IQuery<ReportFile>;

/// <summary>A campaign's report: its cells, scaling curves, Pareto front and elements.</summary>
public sealed record DownloadCampaignReport(Guid Id, string Format) : IQuery<ReportFile>;

internal sealed class DownloadExperimentReportValidator : AbstractValidator<DownloadExperimentReport>
{
    public DownloadExperimentReportValidator() =>
        RuleFor(q => q.Format).Must(ReportFile.Known).WithMessage(q => ReportFile.Unknown(q.Format)).OverridePropertyName("format");
}

internal sealed class DownloadCampaignReportValidator : AbstractValidator<DownloadCampaignReport>
{
    public DownloadCampaignReportValidator() =>
        RuleFor(q => q.Format).Must(ReportFile.Known).WithMessage(q => ReportFile.Unknown(q.Format)).OverridePropertyName("format");
}

internal sealed class DownloadExperimentReportHandler(ISender sender, TimeProvider time)
    : IQueryHandler<DownloadExperimentReport, ReportFile>, IQueryHandler<DownloadCampaignReport, ReportFile>
{
    /// <summary>Error lines a report shows at the most: the first ones say what went wrong; the rest are in the logs.</summary>
    public const int ErrorLines = 20;

    public async ValueTask<ReportFile> Handle(DownloadExperimentReport query, CancellationToken cancellationToken)
    {
        var detail = await sender.Send(new GetExperiment(query.Id), cancellationToken);
        if (detail.Experiment.Status == "running")
        {
            throw new ConflictException($"Experiment '{query.Id}' is running ({detail.Experiment.Stage}): its report can be made once it has ended.");
        }

        var deployment = detail.Experiment.ServiceId is { } service ? await sender.Send(new GetServiceDeployment(service), cancellationToken) : null;
        var run = detail.Experiment.BenchmarkId is { } benchmark ? await sender.Send(new GetBenchmarkReport(benchmark), cancellationToken) : null;
        // The service's metrics over the load (warm-up included: the server saw it), else over the whole experiment.
        var measured = detail.Stages.Where(s => s.Stage is "warmup" or "loading").ToList();
        var from = measured.Count > 0 ? measured.Min(s => s.StartedAt) : detail.Experiment.CreatedAt;
        var to = measured.Count > 0 ? measured.Max(s => s.EndedAt ?? s.StartedAt) : detail.Experiment.FinishedAt ?? time.GetUtcNow();
        var metrics = await sender.Send(new GetServiceMetricsReport(query.Id, from, to), cancellationToken);
        var errors = await sender.Send(new GetErrorLines(query.Id, ErrorLines), cancellationToken);
        var report = ExperimentReport.Document(new ExperimentReportInput(detail, deployment, run?.Sections ?? [], metrics, errors), time.GetUtcNow());
        return ReportFile.Of(report, $"aibench-experiment-{query.Id}", query.Format);
    }

    public async ValueTask<ReportFile> Handle(DownloadCampaignReport query, CancellationToken cancellationToken)
    {
        var detail = await sender.Send(new GetCampaign(query.Id), cancellationToken);
        return ReportFile.Of(CampaignReport.Document(detail, time.GetUtcNow()), $"aibench-campaign-{query.Id}", query.Format);
    }

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/experiments/{id:guid}/report", async Task<FileContentHttpResult> (Guid id, string? format, ISender sender, CancellationToken ct)
                => ReportResults.Inline(await sender.Send(new DownloadExperimentReport(id, format ?? "html"), ct)))
            .WithName("DownloadExperimentReport")
            .WithSummary("A finished experiment's report: ?format=html (one self-contained file) or md (headline summary to paste).")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapGet("/campaigns/{id:guid}/report", async Task<FileContentHttpResult> (Guid id, string? format, ISender sender, CancellationToken ct)
                => ReportResults.Inline(await sender.Send(new DownloadCampaignReport(id, format ?? "html"), ct)))
            .WithName("DownloadCampaignReport")
            .WithSummary("A campaign's report (so far, while it runs): ?format=html or md; cells with intervals, scaling, Pareto front, elements.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
    }
}
