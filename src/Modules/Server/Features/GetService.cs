using Aibench.Server.Lifecycle;
using Aibench.Server.Persistence;
using Aibench.Shared.Resilience;
using Aibench.Shared.Api;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Server.Features;

/// <summary>One service with the history of its states.</summary>
public sealed record GetService(Guid Id) : IQuery<ServiceDetail>;

public sealed record ServiceDetail(
    Guid Id,
    string Recipe,
    string Status,
    string? Reason,
    string? JobId,
    int Nodes,
    string? RunFolder,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<ServiceTransitionView> Transitions)
{
    public string? Deployment { get; init; }
    public string? Scheduler { get; init; }
    public string? NodeList { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public IReadOnlyList<Aibench.Contracts.Server.ServiceEndpointInfo> Endpoints { get; init; } = [];
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>Circuits of its endpoints and sidecar exporters that are open or half-open.</summary>
    public IReadOnlyList<CircuitView> Circuits { get; init; } = [];

    /// <summary>Its restart policy: restarts allowed (0: none) and the wait before each.</summary>
    public RestartView Restart { get; init; } = new(0, 0, 1, null);

    /// <summary>Every attempt, the current one last (without an end while it runs).</summary>
    public IReadOnlyList<ServiceAttemptView> Attempts { get; init; } = [];
}

public sealed record ServiceTransitionView(string Status, string? Reason, DateTimeOffset At);

/// <param name="Max">Restarts its policy allows (0: none).</param>
/// <param name="BackoffSeconds">Wait before each restart.</param>
/// <param name="Attempt">The attempt running now, from 1.</param>
/// <param name="NextAt">While restarting: when the next attempt is submitted.</param>
public sealed record RestartView(int Max, int BackoffSeconds, int Attempt, DateTimeOffset? NextAt);

/// <param name="Number">From 1.</param>
/// <param name="JobId">Its job.</param>
/// <param name="NodeList">Where it ran.</param>
/// <param name="StartedAt">When its job was first seen running.</param>
/// <param name="ReadyAt">When every endpoint first answered.</param>
/// <param name="EndedAt">When it ended; null for the current attempt.</param>
/// <param name="Reason">Why it ended.</param>
/// <param name="Restarted">Whether the restart policy started another attempt after it.</param>
/// <param name="LastLines">The last lines of its error output, kept from before the next attempt wrote the same files.</param>
public sealed record ServiceAttemptView(int Number, string? JobId, string? NodeList, DateTimeOffset? StartedAt, DateTimeOffset? ReadyAt,
    DateTimeOffset? EndedAt, string? Reason, bool Restarted, string? LastLines);

internal sealed class GetServiceHandler(IDbContextFactory<ServerDbContext> dbFactory, CircuitBreakers breakers) : IQueryHandler<GetService,
    ServiceDetail>
{
    public async ValueTask<ServiceDetail> Handle(GetService query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var service = await db.Services.AsNoTracking().Include(s => s.Transitions).Include(s => s.Endpoints).Include(s => s.Attempts)
            .SingleOrDefaultAsync(s => s.Id == query.Id, cancellationToken)
            ?? throw new NotFoundException("Service", query.Id.ToString());
        return new ServiceDetail(
            service.Id, service.Recipe, ServiceStatuses.Name(service.Status), service.Reason, service.JobId, service.Nodes,
            service.RunFolder, service.CreatedAt, service.UpdatedAt,
            [.. service.Transitions.OrderBy(t => t.At).ThenBy(t => t.Id)
                .Select(t => new ServiceTransitionView(ServiceStatuses.Name(t.Status), t.Reason, t.At))])
        {
            Deployment = service.Deployment,
            Scheduler = service.Scheduler,
            NodeList = service.NodeList,
            StartedAt = service.StartedAt,
            Endpoints = [.. service.Endpoints.OrderBy(e => e.Task).Select(Jobs.PollServicesJob.ToInfo)],
            Parameters = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(service.Parameters) ?? [],
            Circuits = service.Status.IsTerminal() ? [] : ServiceCircuits.Open(breakers,
                service.Endpoints.Select(Jobs.PollServicesJob.Url)
                    .Concat(service.RunFolder is null ? [] : RunFolder.Exporters(service.RunFolder).Select(e => e.Url))),
            Restart = new RestartView(service.RestartMax, service.RestartBackoffSeconds, service.Attempt, service.RestartAt),
            Attempts =
            [
                .. service.Attempts.OrderBy(a => a.Number).Select(a =>
                    new ServiceAttemptView(a.Number, a.JobId, a.NodeList, a.StartedAt, a.ReadyAt, a.EndedAt, a.Reason, a.Restarted, a.LastLines)),
                .. service.Attempts.Any(a => a.Number == service.Attempt)
                    ? []
                    : new[] { new ServiceAttemptView(service.Attempt, service.JobId, service.NodeList, service.StartedAt, service.ReadyAt, null, null,
                        false, null) },
            ],
        };
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/services/{id:guid}", async Task<Ok<ServiceDetail>> (Guid id, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new GetService(id), ct)))
            .WithName("GetService")
            .WithSummary("A service: status, reason, job id, nodes, endpoints, run folder, timestamps, transitions, restart policy and attempts.")
            .ProducesProblem(StatusCodes.Status404NotFound);
}
