using Mediator;

namespace Aibench.Contracts.Monitor;

/// <summary>
/// Asks the Monitor module for one scraped metric of a service or experiment as chartable series, derived the way
/// PromQL would. Fails with a validation error naming the field (<c>name</c>, <c>fn</c>, <c>q</c>, <c>step</c>, …).
/// </summary>
/// <param name="Service">The service whose replicas were scraped; or null.</param>
/// <param name="Experiment">The experiment whose service was scraped; or null.</param>
/// <param name="Name">The Prometheus metric name, e.g. <c>vllm:num_requests_running</c> (for <c>quantile</c>, the histogram without
/// <c>_bucket</c>).</param>
/// <param name="From">Start of the range; 15 minutes before <paramref name="To"/> when null.</param>
/// <param name="To">End of the range; now when null.</param>
/// <param name="Fn"><c>raw</c>, <c>instant</c> (gauge at each step), <c>rate</c> (counter per second) or <c>quantile</c> (histogram_quantile of
/// <paramref name="Q"/>).</param>
/// <param name="Q">The quantile for <c>quantile</c>, 0–1.</param>
/// <param name="Step">Distance between points, e.g. <c>5s</c>; about 240 points over the range when null.</param>
/// <param name="Window">Rate window, e.g. <c>1m</c>; four scrapes when null.</param>
/// <param name="Sum">Add every series into one (across replicas and label sets).</param>
public sealed record GetMetricSeries(
    Guid? Service,
    Guid? Experiment,
    string Name,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    string Fn = "instant",
    double? Q = null,
    string? Step = null,
    string? Window = null,
    bool Sum = false) : IQuery<IReadOnlyList<MetricSeries>>;

/// <summary>One series of a metric.</summary>
/// <param name="Name">The metric.</param>
/// <param name="Labels">Its label set in Prometheus text form, e.g. <c>{replica="0",node="n1"}</c>; empty when summed.</param>
/// <param name="Points">Its values in time order.</param>
public sealed record MetricSeries(string Name, string Labels, IReadOnlyList<MetricPoint> Points);

/// <summary>One value of a series at one time.</summary>
/// <param name="T">When.</param>
/// <param name="V">The value, in the metric's own unit (seconds, ratio, count).</param>
public sealed record MetricPoint(DateTimeOffset T, double V);
