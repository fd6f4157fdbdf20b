using Aibench.Contracts;
using Aibench.Contracts.Experiments;
using Aibench.Contracts.Client;
using Aibench.Contracts.Server;
using Aibench.Experiments.Jobs;
using Aibench.Experiments.Persistence;
using Aibench.Experiments.Planning;
using Aibench.Shared.Api;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Experiments.Features;

/// <summary>One experiment: where it is, how long each stage took, its service and load run, and its result.</summary>
public sealed record GetExperiment(Guid Id) : IQuery<ExperimentDetail>;

/// <summary>Everything the experiment page shows.</summary>
/// <param name="Experiment">Its row, as in the list.</param>
/// <param name="Stages">Every stage entered, in order, with its timing and how it ended.</param>
/// <param name="Definition">What was asked for, with presets filled in.</param>
/// <param name="Service">Its service as the Server module reports it now (status, reason, job id, nodes, each replica), once deployed.</param>
/// <param name="Progress">The load's latest progress while it runs.</param>
/// <param name="Result">What was measured and the verdict, once the load ended (partial after a cancel).</param>
/// <param name="Links">Where the service, load run, logs and downloads are in the API.</param>
/// <param name="Capacity">A capacity test's search: its probes and interval as it narrows, and at the end what it found.</param>
public sealed record ExperimentDetail(
    ExperimentSummary Experiment,
    IReadOnlyList<ExperimentStageView> Stages,
    ExperimentDefinition Definition,
    ServiceStatusInfo? Service,
    BenchmarkProgressed? Progress,
    ExperimentResult? Result,
    ExperimentLinks Links,
    CapacityOutcome? Capacity = null);

/// <summary>One stage of an experiment.</summary>
/// <param name="Stage">Its name.</param>
/// <param name="StartedAt">When it began.</param>
/// <param name="EndedAt">When it ended; null while it goes on.</param>
/// <param name="Seconds">How long it took (so far).</param>
/// <param name="Note">How it ended or what happened in it.</param>
public sealed record ExperimentStageView(string Stage, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, double Seconds, string? Note);

/// <summary>What an experiment was asked to do, presets filled in.</summary>
public sealed record ExperimentDefinition(
    IReadOnlyDictionary<string, string> Parameters,
    BenchmarkSpec Load,
    ExperimentSlo Slo,
    int WarmupSeconds,
    int ReadyTimeoutSeconds,
    int? TimeLimitMinutes,
    bool KeepService,
    Guid? WarmupBenchmarkId,
    int LoadAttempts,
    int ServiceRestarts = 0);

/// <summary>API addresses of what belongs to an experiment; null until it exists.</summary>
public sealed record ExperimentLinks(string Self, string? Service, string? Benchmark, string? Export, string Logs, string? Warmup);

internal sealed class GetExperimentHandler(IDbContextFactory<ExperimentsDbContext> dbFactory, ISender sender, ExperimentFeed feed, TimeProvider time)
    : IQueryHandler<GetExperiment, ExperimentDetail>
{
    public async ValueTask<ExperimentDetail> Handle(GetExperiment query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var e = await db.Experiments.AsNoTracking().Include(x => x.Stages).SingleOrDefaultAsync(x => x.Id == query.Id, cancellationToken)
            ?? throw new NotFoundException("Experiment", query.Id.ToString());

        // The service belongs to the Server module: its state comes through Contracts, never its tables.
        var service = e.ServiceId is { } serviceId ? await sender.Send(new GetServiceStatus(serviceId), cancellationToken) : null;
        var now = time.GetUtcNow();
        var stages = e.Stages.OrderBy(s => s.StartedAt).ThenBy(s => s.Id)
            .Select(s => new ExperimentStageView(s.Stage.WireName(), s.StartedAt, s.EndedAt,
                Math.Round(((s.EndedAt ?? now) - s.StartedAt).TotalSeconds, 3), s.Note))
            .ToList();
        var definition = new ExperimentDefinition(
            ExperimentWorkflow.FromJson<Dictionary<string, string>>(e.Parameters), ExperimentWorkflow.FromJson<BenchmarkSpec>(e.Spec),
            ExperimentWorkflow.FromJson<ExperimentSlo>(e.Slo), e.WarmupSeconds, e.ReadyTimeoutSeconds, e.TimeLimitMinutes, e.KeepService,
            e.WarmupBenchmarkId, e.LoadAttempts, e.ServiceRestarts);
        var links = new ExperimentLinks(
            $"/api/v1/experiments/{e.Id}",
            e.ServiceId is { } s ? $"/api/v1/services/{s}" : null,
            e.BenchmarkId is { } b ? $"/api/v1/benchmarks/{b}" : null,
            e.BenchmarkId is { } x ? $"/api/v1/benchmarks/{x}/export" : null,
            $"/api/v1/logs?experiment={e.Id}",
            e.WarmupBenchmarkId is { } w ? $"/api/v1/benchmarks/{w}" : null);
        return new ExperimentDetail(
            ExperimentSummary.Of(e), stages, definition, service,
            e.Status == ExperimentStatus.Running ? feed.Progress(e.Id) : null,
            e.Result is null ? null : ExperimentWorkflow.FromJson<ExperimentResult>(e.Result),
            links,
            CapacitySteps.Outcome(e));
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/experiments/{id:guid}", async Task<Ok<ExperimentDetail>> (Guid id, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new GetExperiment(id), ct)))
            .WithName("GetExperiment")
            .WithSummary("An experiment: stage and stage history, service and replicas, load progress, result with SLO verdict, links.")
            .ProducesProblem(StatusCodes.Status404NotFound);
}
