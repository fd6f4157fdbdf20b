using Aibench.Contracts.Server;
using Aibench.Server.Persistence;
using Aibench.Shared.Api;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Server.Features;

/// <summary>Just a service's state, for scripts that poll.</summary>
public sealed record GetServiceStatusView(Guid Id) : IQuery<ServiceStatusView>;

internal sealed class GetServiceStatusViewHandler(IDbContextFactory<ServerDbContext> dbFactory) : IQueryHandler<GetServiceStatusView,
    ServiceStatusView>
{
    public async ValueTask<ServiceStatusView> Handle(GetServiceStatusView query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var s = await db.Services.AsNoTracking().SingleOrDefaultAsync(x => x.Id == query.Id, cancellationToken)
            ?? throw new NotFoundException("Service", query.Id.ToString());
        return new ServiceStatusView(s.Id, s.Status, s.Reason, s.UpdatedAt);
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/services/{id:guid}/status", async Task<Ok<ServiceStatusView>> (Guid id, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new GetServiceStatusView(id), ct)))
            .WithName("GetServiceStatus")
            .WithSummary("A service's status and reason.")
            .ProducesProblem(StatusCodes.Status404NotFound);
}
