using Aibench.Client.LoadGen;
using Aibench.Contracts.Client;
using Aibench.Shared.Validation;
using Mediator;

namespace Aibench.Client.Features;

internal sealed class CheckBenchmarkValidator(BenchmarkSpecValidator spec) : WrapperValidator<CheckBenchmark, BenchmarkSpec>(spec, c => c.Spec);

/// <summary>Answers whether a spec would start, and with which steps, for modules that plan runs (Experiments).</summary>
internal sealed class CheckBenchmarkHandler : IQueryHandler<CheckBenchmark, BenchmarkPlan>
{
    public ValueTask<BenchmarkPlan> Handle(CheckBenchmark query, CancellationToken cancellationToken)
    {
        // No endpoint or model is needed to know the steps; the placeholders never reach a request.
        var plan = LoadPlan.From(query.Spec, [], "");
        var seconds = plan.Steps[0].Duration?.TotalSeconds;
        return ValueTask.FromResult(new BenchmarkPlan(plan.Steps.Count, seconds, [.. plan.Steps.Select(s => s.Label)]));
    }
}
