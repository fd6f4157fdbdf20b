using Aibench.Contracts.Server;
using Aibench.Server.Lifecycle;
using Aibench.Server.Persistence;
using Aibench.Shared.Resilience;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Server.Features;

/// <summary>Services, newest first, optionally only those in one state.</summary>
public sealed record ListServices(string? Status = null, int Limit = ListServices.DefaultLimit) : IQuery<IReadOnlyList<ServiceSummary>>
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;
}

public sealed record ServiceSummary(
    Guid Id,
    string Recipe,
    string Status,
    string? Reason,
    string? JobId,
    int Nodes,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>Base URLs of the endpoints announced so far.</summary>
    public IReadOnlyList<string> Endpoints { get; init; } = [];

    /// <summary>Circuits of its endpoints that are open or half-open (probes that got no answer, failing scrapes).</summary>
    public IReadOnlyList<CircuitView> Circuits { get; init; } = [];
}

internal sealed class ListServicesValidator : AbstractValidator<ListServices>
{
    public ListServicesValidator()
    {
        RuleFor(q => q.Status)
            .Must(s => s is null || ServiceStatuses.TryParse(s, out _))
            .WithMessage(q => $"'{q.Status}' is not a service status; expected one of: {string.Join(", ", ServiceStatuses.Names)}.");
        RuleFor(q => q.Limit).InclusiveBetween(1, ListServices.MaxLimit);
    }
}

internal sealed class ListServicesHandler(IDbContextFactory<ServerDbContext> dbFactory, CircuitBreakers breakers)
    : IQueryHandler<ListServices, IReadOnlyList<ServiceSummary>>
{
    public async ValueTask<IReadOnlyList<ServiceSummary>> Handle(ListServices query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var services = db.Services.AsNoTracking().Include(s => s.Endpoints).AsQueryable();
        if (query.Status is not null && ServiceStatuses.TryParse(query.Status, out var status))
        {
            services = services.Where(s => s.Status == status);
        }

        var rows = await services.OrderByDescending(s => s.CreatedAt).Take(query.Limit).ToListAsync(cancellationToken);
        return [.. rows.Select(s => new ServiceSummary(
            s.Id, s.Recipe, ServiceStatuses.Name(s.Status), s.Reason, s.JobId, s.Nodes, s.CreatedAt, s.UpdatedAt)
        {
            Endpoints = [.. s.Endpoints.OrderBy(e => e.Task).Select(e => Jobs.PollServicesJob.Url(e))],
            Circuits = s.Status.IsTerminal() ? [] : ServiceCircuits.Open(breakers, s.Endpoints),
        })];
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/services", async Task<Ok<IReadOnlyList<ServiceSummary>>> (
                string? status, int? limit, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new ListServices(status, limit ?? ListServices.DefaultLimit), ct)))
            .WithName("ListServices")
            .WithSummary("List services, newest first; filter with ?status=ready etc.")
            .ProducesValidationProblem();
}
