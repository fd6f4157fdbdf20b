using Aibench.Contracts;
using Aibench.Contracts.Experiments;
using Aibench.Experiments.Jobs;
using Aibench.Experiments.Persistence;
using Aibench.Experiments.Planning;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Experiments.Features;

/// <summary>Experiments, newest first, optionally narrowed.</summary>
/// <param name="Limit">At most this many (1–1000).</param>
/// <param name="Status"><c>running</c>, <c>completed</c>, <c>failed</c> or <c>cancelled</c>.</param>
/// <param name="Stage">One stage, e.g. <c>loading</c>.</param>
/// <param name="Recipe">One recipe.</param>
/// <param name="TestType">One test type.</param>
/// <param name="Before">Only those created before this (the <c>createdAt</c> of the last row of the previous page).</param>
public sealed record ListExperiments(int Limit = 100, string? Status = null, string? Stage = null, string? Recipe = null, string? TestType = null,
    DateTimeOffset? Before = null)
    : IQuery<IReadOnlyList<ExperimentSummary>>;

/// <summary>An experiment with its headline numbers once it has them.</summary>
public sealed record ExperimentSummary(
    Guid Id,
    string Name,
    string Recipe,
    int Nodes,
    string TestType,
    int DurationSeconds,
    string Stage,
    string Status,
    string? Reason,
    Guid? ServiceId,
    Guid? BenchmarkId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? FinishedAt)
{
    public bool? Partial { get; init; }
    public long? Completed { get; init; }
    public long? Failed { get; init; }
    public double? RequestThroughput { get; init; }
    public double? OutputTokenThroughput { get; init; }
    public double? TtftP50Ms { get; init; }
    public double? TtftP99Ms { get; init; }
    public double? E2eP50Ms { get; init; }
    public bool? SloPassed { get; init; }
    public double? BreakingRate { get; init; }

    internal static ExperimentSummary Of(Experiment e)
    {
        var r = e.Result is null ? null : ExperimentWorkflow.FromJson<ExperimentResult>(e.Result);
        return new ExperimentSummary(e.Id, e.Name, e.Recipe, e.Nodes, e.TestType, e.DurationSeconds, e.Stage.WireName(), e.Status.WireName(),
            e.Reason,
            e.ServiceId, e.BenchmarkId, e.CreatedAt, e.UpdatedAt, e.FinishedAt)
        {
            Partial = r?.Partial,
            Completed = r?.Overall?.Completed,
            Failed = r?.Overall?.Failed,
            RequestThroughput = r?.Overall?.RequestThroughput,
            OutputTokenThroughput = r?.Overall?.OutputTokenThroughput,
            TtftP50Ms = r?.Overall?.TtftP50Ms,
            TtftP99Ms = r?.Overall?.TtftP99Ms,
            E2eP50Ms = r?.Overall?.E2eP50Ms,
            SloPassed = r?.Slo?.Passed,
            BreakingRate = r?.Stress?.BreakingRate,
        };
    }
}

internal sealed class ListExperimentsValidator : AbstractValidator<ListExperiments>
{
    public ListExperimentsValidator()
    {
        RuleFor(q => q.Limit).InclusiveBetween(1, 1000).OverridePropertyName("limit");
        RuleFor(q => q.Status).Must(s => s is null || WireNames.TryParse<ExperimentStatus>(s, out _))
            .WithMessage($"'status' must be one of {string.Join(", ", WireNames.All<ExperimentStatus>())}.").OverridePropertyName("status");
        RuleFor(q => q.Stage).Must(s => s is null || WireNames.TryParse<ExperimentStage>(s, out _))
            .WithMessage($"'stage' must be one of {string.Join(", ", WireNames.All<ExperimentStage>())}.").OverridePropertyName("stage");
        RuleFor(q => q.TestType).Must(s => s is null || TestTypes.All.Contains(s))
            .WithMessage($"'testType' must be one of {string.Join(", ", TestTypes.All)}.").OverridePropertyName("testType");
        RuleFor(q => q.Recipe).MaximumLength(128).OverridePropertyName("recipe");
    }
}

internal sealed class ListExperimentsHandler(IDbContextFactory<ExperimentsDbContext> dbFactory)
    : IQueryHandler<ListExperiments, IReadOnlyList<ExperimentSummary>>
{
    public async ValueTask<IReadOnlyList<ExperimentSummary>> Handle(ListExperiments query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = db.Experiments.AsNoTracking();
        if (query.Status is { } status) rows = rows.Where(e => e.Status == WireNames.Parse<ExperimentStatus>(status));
        if (query.Stage is { } stage) rows = rows.Where(e => e.Stage == WireNames.Parse<ExperimentStage>(stage));
        if (query.Recipe is { } recipe) rows = rows.Where(e => e.Recipe == recipe);
        if (query.TestType is { } type) rows = rows.Where(e => e.TestType == type);
        if (query.Before is { } before) rows = rows.Where(e => e.CreatedAt < before);
        var page = await rows.OrderByDescending(e => e.CreatedAt).Take(query.Limit).ToListAsync(cancellationToken);
        return [.. page.Select(ExperimentSummary.Of)];
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/experiments", async Task<Ok<IReadOnlyList<ExperimentSummary>>> (
                    int? limit, string? status, string? stage, string? recipe, string? testType, DateTimeOffset? before, ISender sender,
                        CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new ListExperiments(limit ?? 100, status, stage, recipe, testType, before), ct)))
            .WithName("ListExperiments")
            .WithSummary("List experiments with their headline numbers, newest first; ?status= ?stage= ?recipe= ?testType= narrow, ?before= pages.")
            .ProducesValidationProblem();
}
