using Aibench.Client.LoadGen;
using Aibench.Contracts.Client;
using FluentValidation;
using Mediator;

namespace Aibench.Client.Features;

internal sealed class CheckBenchmarkValidator : AbstractValidator<CheckBenchmark>
{
    public CheckBenchmarkValidator(BenchmarkSpecValidator spec)
    {
        RuleFor(c => c.Spec).NotNull().OverridePropertyName("body");
        RuleFor(c => c).Custom((c, context) =>
        {
            if (c.Spec is null) return;
            foreach (var failure in spec.Validate(c.Spec).Errors) context.AddFailure(failure);
        });
    }
}

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
