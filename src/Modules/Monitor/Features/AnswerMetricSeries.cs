using Aibench.Contracts.Monitor;
using Mediator;

namespace Aibench.Monitor.Features;

/// <summary>
/// Answers the Contracts query for other modules' pages (the experiment page) through this module's own
/// <see cref="GetSeries"/>, so validation and the PromQL-like functions are the same as on the REST endpoint.
/// </summary>
internal sealed class AnswerMetricSeries(ISender sender) : IQueryHandler<GetMetricSeries, IReadOnlyList<MetricSeries>>
{
    public async ValueTask<IReadOnlyList<MetricSeries>> Handle(GetMetricSeries query, CancellationToken cancellationToken)
    {
        var series = await sender.Send(
            new GetSeries(query.Service, query.Experiment, query.Name, query.From, query.To, query.Fn, query.Q, query.Step, query.Window, query.Sum),
            cancellationToken);
        return [.. series.Select(s => new MetricSeries(s.Name, s.Labels, [.. s.Points.Select(p => new MetricPoint(p.T, p.V))]))];
    }
}
