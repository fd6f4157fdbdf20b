using System.Text.Json;
using Aibench.Client.Jobs;
using Aibench.Client.LoadGen;
using Aibench.Client.Persistence;
using Aibench.Contracts.Client;
using Aibench.Shared.Validation;
using Hangfire;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Client.Features;

internal sealed class StartBenchmarkValidator(BenchmarkSpecValidator spec) : WrapperValidator<StartBenchmark, BenchmarkSpec>(spec, c => c.Spec);

internal sealed class StartBenchmarkHandler(
    IDbContextFactory<ClientDbContext> dbFactory,
    TargetResolver targets,
    IBackgroundJobClient jobs,
    TimeProvider time) : ICommandHandler<StartBenchmark, BenchmarkRef>
{
    public async ValueTask<BenchmarkRef> Handle(StartBenchmark command, CancellationToken cancellationToken)
    {
        var spec = command.Spec;
        if (command.Id is { } requested)
        {
            // A repeated request with the same id (a retried experiment step) gets the run it created before.
            await using var existing = await dbFactory.CreateDbContextAsync(cancellationToken);
            if (await existing.Benchmarks.AsNoTracking().Where(r => r.Id == requested).Select(r
                => (BenchmarkStatus?)r.Status).SingleOrDefaultAsync(cancellationToken) is { } status)
            {
                return new BenchmarkRef(requested, status);
            }
        }

        // Checked now so that a service that is not ready is a 409 to the caller, not a failed run later.
        var endpoints = await targets.EndpointsAsync(spec, cancellationToken);
        using (var http = RequestSender.CreateHttpClient())
        {
            await TargetPreflight.CheckAsync(spec, endpoints[0], http, cancellationToken);
        }

        var run = new BenchmarkRun
        {
            Id = command.Id ?? Guid.CreateVersion7(time.GetUtcNow()),
            Name = spec.Name ?? DefaultName(spec),
            Status = BenchmarkStatus.Pending,
            Target = spec.Service is { } s ? $"service {s}" : string.Join(" ", endpoints),
            ServiceId = spec.Service,
            ExperimentId = spec.ExperimentId,
            CreatedAt = time.GetUtcNow(),
            Spec = JsonSerializer.Serialize(spec, Json.Options),
            Model = spec.Model,
        };
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        db.Benchmarks.Add(run);
        await db.SaveChangesAsync(cancellationToken);
        jobs.Enqueue<RunBenchmarkJob>(job => job.RunAsync(run.Id, CancellationToken.None));
        return new BenchmarkRef(run.Id, run.Status);
    }

    private static string DefaultName(BenchmarkSpec spec)
    {
        var load = spec.Load ?? new LoadShape(Concurrency: 1);
        var shape = load.Kind switch
        {
            "rate" => $"{load.Rate} req/s {load.Arrival}",
            "ramp" => $"ramp {load.From}→{load.To} req/s",
            "sweep" when load.Rates is { Count: > 0 } r => $"sweep {string.Join(",", r)} req/s",
            "sweep" => $"sweep concurrency {string.Join(",", load.Concurrencies ?? [])}",
            _ => $"concurrency {load.Concurrency ?? 1}",
        };
        return $"{spec.Api} {shape}";
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapPost("/benchmarks", async Task<Accepted<BenchmarkRef>> (BenchmarkSpec spec, ISender sender, CancellationToken ct) =>
            {
                var started = await sender.Send(new StartBenchmark(spec), ct);
                return TypedResults.Accepted($"/api/v1/benchmarks/{started.Id}", started);
            })
            .WithName("StartBenchmark")
            .WithSummary("Start a load-generation run against a service or URLs; 202 with its id. The body is a BenchmarkSpec.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
}
