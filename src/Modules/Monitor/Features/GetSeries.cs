using Aibench.Monitor.Persistence;
using Aibench.Monitor.Query;
using Aibench.Monitor.Scraping;
using Aibench.Shared.Text;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Monitor.Features;

/// <summary>
/// Stored samples of one metric as series ready to chart, for a service or an experiment: raw, or derived the way
/// PromQL would — <c>fn=instant</c> (gauge at each step), <c>fn=rate</c> (counter increase per second over
/// <c>window</c>), <c>fn=quantile&amp;q=0.99</c> (histogram_quantile over the rate of the <c>_bucket</c> series summed
/// across replicas). <c>sum=true</c> adds all series into one (across replicas and label sets). With neither service nor
/// experiment, the host's own series.
/// </summary>
public sealed record GetSeries(
    Guid? Service,
    Guid? Experiment,
    string Name,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    string Fn = "raw",
    double? Q = null,
    string? Step = null,
    string? Window = null,
    bool Sum = false,
    int Limit = GetSeries.DefaultLimit) : IQuery<IReadOnlyList<Series>>
{
    public const int DefaultLimit = 200_000;
    public const int MaxSteps = 11_000;
}

public sealed record Series(string Name, string Labels, IReadOnlyList<SeriesPoint> Points);

public sealed record SeriesPoint(DateTimeOffset T, double V);

internal sealed class GetSeriesValidator : AbstractValidator<GetSeries>
{
    private static readonly string[] Functions = ["raw", "instant", "rate", "quantile"];

    public GetSeriesValidator()
    {
        RuleFor(q => q.Name).NotEmpty().MaximumLength(256)
            .Matches("^[a-zA-Z_:][a-zA-Z0-9_:]*$").WithMessage("'name' must be a Prometheus metric name.");
        RuleFor(q => q.To).GreaterThanOrEqualTo(q => q.From).When(q => q.From is not null && q.To is not null)
            .WithMessage("'to' must not be before 'from'.");
        RuleFor(q => q.Limit).InclusiveBetween(1, 1_000_000);
        RuleFor(q => q.Fn).Must(f => Functions.Contains(f))
            .WithMessage(q => $"'fn' must be one of {string.Join(", ", Functions)}, not '{q.Fn}'.").OverridePropertyName("fn");
        RuleFor(q => q.Q).NotNull().When(q => q.Fn
            == "quantile").WithMessage("'q' is required with fn=quantile, e.g. q=0.99.").OverridePropertyName("q");
        RuleFor(q => q.Q).InclusiveBetween(0, 1).When(q => q.Q is not null).WithMessage("'q' must be between 0 and 1.").OverridePropertyName("q");
        RuleFor(q => q.Step).Must(BePositive!).When(q => q.Step is not null)
            .WithMessage(q => $"'step' must be a duration like 15s, not '{q.Step}'.").OverridePropertyName("step");
        RuleFor(q => q.Window).Must(BePositive!).When(q => q.Window is not null)
            .WithMessage(q => $"'window' must be a duration like 1m, not '{q.Window}'.").OverridePropertyName("window");
        RuleFor(q => q).Must(q => Steps(q) <= GetSeries.MaxSteps).When(q => q.Fn != "raw" && q.From is not null && q.To is not null && q.Step
            is not null)
            .WithMessage($"'step' gives more than {GetSeries.MaxSteps} points between from and to; use a longer step.").OverridePropertyName("step");
    }

    private static bool BePositive(string text) => Duration.TryParse(text, out var d) && d > TimeSpan.Zero;

    private static double Steps(GetSeries q) =>
        Duration.TryParse(q.Step, out var step) && step > TimeSpan.Zero ? (q.To!.Value - q.From!.Value) / step : 0;
}

internal sealed class GetSeriesHandler(IDbContextFactory<MonitorDbContext> dbFactory, MonitorSettings settings, TimeProvider time)
    : IQueryHandler<GetSeries, IReadOnlyList<Series>>
{
    /// <summary>Label names that tell replicas apart; summing across replicas drops them.</summary>
    private static readonly string[] ReplicaLabels = ["replica", "node", "instance", "exported_instance"];

    public async ValueTask<IReadOnlyList<Series>> Handle(GetSeries query, CancellationToken cancellationToken)
    {
        var to = query.To ?? time.GetUtcNow();
        var from = query.From ?? to.AddMinutes(-15);
        var scrape = TimeSpan.FromSeconds(settings.ScrapeSeconds);
        var step = query.Step is { } s && Duration.TryParse(s, out var st) ? st : Max(scrape, (to - from) / 240);
        var window = query.Window is { } w && Duration.TryParse(w, out var wd) ? wd : Max(scrape * 4, step);
        // Samples before 'from' are needed for the first rate window and the first instant lookup.
        var lookback = query.Fn == "raw" ? TimeSpan.Zero : Max(window, TimeSpan.FromMinutes(5));
        var name = query.Fn == "quantile" ? query.Name + "_bucket" : query.Name;

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var series = db.Series.AsNoTracking().Where(x => x.Name == name);
        if (query.Service is { } service) series = series.Where(x => x.ServiceId == service);
        if (query.Experiment is { } experiment) series = series.Where(x => x.ExperimentId == experiment);
        // Neither: the host's own series (job="aibench").
        if (query.Service is null && query.Experiment is null) series = series.Where(x => x.ServiceId == null);
        var labelsOf = await series.ToDictionaryAsync(x => x.Id, x => x.Labels, cancellationToken);
        var ids = labelsOf.Keys.ToList();

        // Raw samples are bounded only where the caller says; derived series need a range to put steps on.
        var samples = db.Samples.AsNoTracking().Where(x => ids.Contains(x.SeriesId));
        long? lower = query.Fn == "raw" ? query.From?.ToUnixTimeMilliseconds() : (from - lookback).ToUnixTimeMilliseconds();
        long? upper = query.Fn == "raw" ? query.To?.ToUnixTimeMilliseconds() : to.ToUnixTimeMilliseconds();
        if (lower is { } lo) samples = samples.Where(x => x.TimestampMs >= lo);
        if (upper is { } hi) samples = samples.Where(x => x.TimestampMs <= hi);
        var rows = ids.Count == 0 ? [] : await samples.OrderBy(x => x.TimestampMs).Take(query.Limit)
            .Select(x => new { x.SeriesId, x.TimestampMs, x.Value })
            .ToListAsync(cancellationToken);
        // The same labels under two series rows (a service that joined an experiment later) are one series.
        var bySeries = rows.GroupBy(r => labelsOf[r.SeriesId]).ToDictionary(
            g => g.Key,
            g => (IReadOnlyList<Point>)[.. g.Select(r => new Point(r.TimestampMs, r.Value))]);

        if (query.Fn == "raw")
        {
            return [.. bySeries.Select(kv => new Series(query.Name, kv.Key, [.. kv.Value.Select(ToPoint)]))];
        }

        var steps = PromFunctions.Steps(from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds(), (long)step.TotalMilliseconds);
        if (query.Fn == "quantile")
        {
            // histogram_quantile(q, sum by (le) (rate(name_bucket[window]))), across replicas and every other label.
            var buckets = bySeries
                .Select(kv => (Le: LabelText.Parse(kv.Key).GetValueOrDefault("le"),
                    Rate: PromFunctions.Rate(kv.Value, steps, (long)window.TotalMilliseconds)))
                .Where(b => b.Le is not null && TryBound(b.Le, out _))
                .GroupBy(b => b.Le!)
                .Select(g => (UpperBound: Bound(g.Key), Series: PromFunctions.Sum(g.Select(b => b.Rate))))
                .OrderBy(b => b.UpperBound)
                .ToList();
            var quantile = PromFunctions.HistogramQuantile(query.Q!.Value, buckets);
            var label = LabelText.Format([new("quantile", query.Q.Value.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
            return buckets.Count == 0 ? [] : [new Series(query.Name, label, [.. quantile.Where(p => double.IsFinite(p.Value)).Select(ToPoint)])];
        }

        var derived = bySeries.Select(kv => (Labels: kv.Key, Points: query.Fn == "rate"
            ? PromFunctions.Rate(kv.Value, steps, (long)window.TotalMilliseconds)
            : PromFunctions.Instant(kv.Value, steps))).ToList();
        if (query.Sum)
        {
            return derived.Count == 0 ? [] : [new Series(query.Name, "", [.. PromFunctions.Sum(derived.Select(d => d.Points)).Select(ToPoint)])];
        }

        return [.. derived.Select(d => new Series(query.Name, d.Labels, [.. d.Points.Select(ToPoint)]))];
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static SeriesPoint ToPoint(Point p) => new(DateTimeOffset.FromUnixTimeMilliseconds(p.TimestampMs), p.Value);

    private static bool TryBound(string le, out double bound) =>
        double.TryParse(le == "+Inf" ? "Infinity" : le, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture,
            out bound);

    private static double Bound(string le) => TryBound(le, out var b) ? b : double.NaN;

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/metrics/series", async Task<Ok<IReadOnlyList<Series>>> (
                Guid? service, Guid? experiment, string? name, DateTimeOffset? from, DateTimeOffset? to, string? fn, double? q,
                string? step, string? window, bool? sum, int? limit, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(
                    new GetSeries(service, experiment, name ?? "", from, to, fn ?? "raw", q, step, window, sum ?? false, limit
                        ?? GetSeries.DefaultLimit), ct)))
            .WithName("GetSeries")
            .WithSummary("One metric of a service or experiment as chartable series: raw, or fn=instant|rate|quantile (q=0.99), sum=true "
                + "across replicas.")
            .ProducesValidationProblem();
}
