using Aibench.Monitor.Persistence;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Monitor.Features;

/// <summary>Raw stored samples of one metric, one series per label set, for a service or an experiment.</summary>
public sealed record GetSeries(Guid? Service, Guid? Experiment, string Name, DateTimeOffset? From, DateTimeOffset? To, int Limit = GetSeries.DefaultLimit)
    : IQuery<IReadOnlyList<Series>>
{
    public const int DefaultLimit = 50_000;
}

public sealed record Series(string Name, string Labels, IReadOnlyList<SeriesPoint> Points);

public sealed record SeriesPoint(DateTimeOffset T, double V);

internal sealed class GetSeriesValidator : AbstractValidator<GetSeries>
{
    public GetSeriesValidator()
    {
        RuleFor(q => q.Name).NotEmpty().MaximumLength(256)
            .Matches("^[a-zA-Z_:][a-zA-Z0-9_:]*$").WithMessage("'name' must be a Prometheus metric name.");
        RuleFor(q => q.Service).NotNull().When(q => q.Experiment is null)
            .WithMessage("Give 'service' or 'experiment'.");
        RuleFor(q => q.To).GreaterThanOrEqualTo(q => q.From).When(q => q.From is not null && q.To is not null)
            .WithMessage("'to' must not be before 'from'.");
        RuleFor(q => q.Limit).InclusiveBetween(1, 1_000_000);
    }
}

internal sealed class GetSeriesHandler(IDbContextFactory<MonitorDbContext> dbFactory) : IQueryHandler<GetSeries, IReadOnlyList<Series>>
{
    public async ValueTask<IReadOnlyList<Series>> Handle(GetSeries query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var samples = db.Samples.AsNoTracking().Where(s => s.Name == query.Name);
        if (query.Service is { } service) samples = samples.Where(s => s.ServiceId == service);
        if (query.Experiment is { } experiment) samples = samples.Where(s => s.ExperimentId == experiment);
        if (query.From is { } from) samples = samples.Where(s => s.Timestamp >= from);
        if (query.To is { } to) samples = samples.Where(s => s.Timestamp <= to);

        var rows = await samples.OrderBy(s => s.Timestamp).Take(query.Limit)
            .Select(s => new { s.Labels, s.Timestamp, s.Value })
            .ToListAsync(cancellationToken);
        return [.. rows.GroupBy(r => r.Labels)
            .Select(g => new Series(query.Name, g.Key, [.. g.Select(r => new SeriesPoint(r.Timestamp, r.Value))]))];
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/metrics/series", async Task<Ok<IReadOnlyList<Series>>> (
                Guid? service, Guid? experiment, string? name, DateTimeOffset? from, DateTimeOffset? to, int? limit,
                ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new GetSeries(service, experiment, name ?? "", from, to, limit ?? GetSeries.DefaultLimit), ct)))
            .WithName("GetSeries")
            .WithSummary("Raw samples of one metric for a service or experiment, one series per label set.")
            .ProducesValidationProblem();
}
