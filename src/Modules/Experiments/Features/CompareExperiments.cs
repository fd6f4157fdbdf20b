using Aibench.Contracts.Client;
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
/// The comparison report of 2 to 8 finished experiments, the first the baseline: <c>html</c> or <c>md</c>. What differed
/// in their deployments, then the Client module's comparison of their load runs with its noise test.
/// </summary>
public sealed record CompareExperiments(IReadOnlyList<Guid> Ids, string Format) : IQuery<ReportFile>;

internal sealed class CompareExperimentsValidator : AbstractValidator<CompareExperiments>
{
    public const int MaxExperiments = 8;

    public CompareExperimentsValidator()
    {
        RuleFor(q => q.Ids).Must(ids => ids.Count is >= 2 and <= MaxExperiments)
            .WithMessage(q => $"ids: {q.Ids.Count} experiment(s) given; a comparison takes 2 to {MaxExperiments}.").OverridePropertyName("ids");
        RuleFor(q => q.Ids).Must(ids => ids.Distinct().Count() == ids.Count).WithMessage("ids: an experiment is named twice.")
            .OverridePropertyName("ids");
        RuleFor(q => q.Format).Must(ReportFile.Known).WithMessage(q => ReportFile.Unknown(q.Format)).OverridePropertyName("format");
    }
}

internal sealed class CompareExperimentsHandler(ISender sender, TimeProvider time) : IQueryHandler<CompareExperiments, ReportFile>
{
    public async ValueTask<ReportFile> Handle(CompareExperiments query, CancellationToken cancellationToken)
    {
        var experiments = new List<(ExperimentDetail, ServiceDeploymentFacts?)>();
        foreach (var id in query.Ids)
        {
            var detail = await sender.Send(new GetExperiment(id), cancellationToken);
            if (detail.Experiment.Status == "running" || detail.Experiment.BenchmarkId is null)
            {
                throw new ConflictException($"Experiment '{id}' is {detail.Experiment.Status} at {detail.Experiment.Stage}"
                    + (detail.Experiment.BenchmarkId is null ? " and has no load run" : "") + ": it can be compared once it has ended with results.");
            }

            var deployment = detail.Experiment.ServiceId is { } service ? await sender.Send(new GetServiceDeployment(service), cancellationToken)
                : null;
            experiments.Add((detail, deployment));
        }

        var runs = await sender.Send(new GetBenchmarkComparison([.. experiments.Select(x => x.Item1.Experiment.BenchmarkId!.Value)]),
            cancellationToken);
        return ReportFile.Of(ExperimentComparison.Document(experiments, runs, time.GetUtcNow()), $"aibench-comparison-{query.Ids[0]}", query.Format);
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/experiments/compare/report", async Task<FileContentHttpResult> (string? ids, string? format, ISender sender,
                CancellationToken ct) => ReportResults.Inline(await
                    sender.Send(new CompareExperiments(IdList.Parse(ids, "ids", "an experiment id"), format ?? "html"), ct)))
            .WithName("CompareExperiments")
            .WithSummary("Comparison report of 2 to 8 finished experiments (?ids=a,b,… the first is the baseline; ?format=html or md): what "
                + "differed in their deployments and loads, each headline number side by side, and whether its change is beyond the noise.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
}
