using System.Text.Json;
using Aibench.Client.LoadGen;
using Aibench.Client.LoadGen.Datasets;
using Aibench.Client.LoadGen.Tokenizers;
using Aibench.Client.Persistence;
using Aibench.Contracts.Client;
using Hangfire;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Aibench.Client.Jobs;

/// <summary>
/// Carries out one pending run. Idempotent: only a <c>pending</c> run is started, and it is claimed atomically, so a
/// second execution of the same job does nothing. Never retried: repeating a load run behind the user's back would change what was measured.
/// Everything a run produced is written in one transaction at its end; a run cut short by cancellation or by the
/// host stopping keeps what it measured, marked partial.
/// </summary>
[AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
internal sealed class RunBenchmarkJob(
    IDbContextFactory<ClientDbContext> dbFactory,
    TargetResolver targets,
    ActiveBenchmarks active,
    BenchmarkMeter meter,
    DistributedRun distributed,
    ClientSettings settings,
    IPublisher publisher,
    TimeProvider time,
    ILogger<RunBenchmarkJob> logger)
{
    public async Task RunAsync(Guid benchmarkId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // Claimed in one statement: a second job for the same run (a restarted host enqueues the runs it finds pending, and
        // a persistent Hangfire store may still hold the first job) finds it no longer pending and does nothing.
        var startedAt = time.GetUtcNow();
        if (await db.Benchmarks.Where(r => r.Id == benchmarkId && r.Status == BenchmarkStatus.Pending).ExecuteUpdateAsync(u => u
                .SetProperty(r => r.Status, BenchmarkStatus.Running).SetProperty(r => r.StartedAt, (DateTimeOffset?)startedAt),
                cancellationToken) == 0)
        {
            return;
        }

        var run = await db.Benchmarks.SingleAsync(r => r.Id == benchmarkId, cancellationToken);

        using var cts = active.Register(run.Id, cancellationToken);
        try
        {
            // A cancel between the claim and the registration found nothing to stop in this host: it is honoured now.
            if (await db.Benchmarks.AsNoTracking().AnyAsync(r => r.Id == run.Id && r.CancelRequested, cancellationToken))
            {
                await cts.CancelAsync();
            }

            await ExecuteAsync(db, run, cts.Token);
        }
        catch (Exception e)
        {
            // Whatever went wrong is recorded on the run: a run must never stay "running" with nobody behind it.
            run.Status = cts.IsCancellationRequested ? BenchmarkStatus.Cancelled : BenchmarkStatus.Failed;
            run.Error = e is OperationCanceledException ? "cancelled before any request was sent" : e.Message;
            if (e is DatasetException or TargetException or TokenizerException or Shared.Api.ConflictException or Shared.Api.NotFoundException
                or OperationCanceledException)
            {
                logger.LogWarning("Benchmark {Id} {Status}: {Error}", run.Id, run.Status, run.Error);
            }
            else
            {
                logger.LogError(e, "Benchmark {Id} failed", run.Id);
            }
        }
        finally
        {
            active.Unregister(run.Id);
        }

        run.FinishedAt = time.GetUtcNow();
        // The host may be stopping: what was measured is written all the same.
        await db.SaveChangesAsync(CancellationToken.None);
        await publisher.Publish(new BenchmarkFinished(run.Id, run.ExperimentId, run.Status, run.Error), CancellationToken.None);
    }

    private async Task ExecuteAsync(ClientDbContext db, BenchmarkRun run, CancellationToken ct)
    {
        var spec = JsonSerializer.Deserialize<BenchmarkSpec>(run.Spec, Json.Options)
            ?? throw new InvalidOperationException("the stored spec is empty");
        var endpoints = await targets.EndpointsAsync(spec, ct);
        using var http = RequestSender.CreateHttpClient();
        var model = await TargetResolver.ModelAsync(spec.Model, endpoints[0], http, ct);
        var (tokenizer, tokenizerNote) = await PromptTokenizers.ResolveAsync(spec.Tokenizer, endpoints[0], model, http, ct);
        var prompts = await Task.Run(async () => await DatasetLoader.LoadAsync(spec.Dataset, spec.Api, spec.Seed, tokenizer, ct), ct);
        if (DatasetLoader.CheckFits(prompts, tokenizer.MaxModelLen) is { } tooLong)
        {
            throw new DatasetException(tooLong);
        }

        run.Model = model;
        run.Dataset = prompts.Description;
        // Shown while the run goes, not only once it has ended.
        await db.SaveChangesAsync(ct);
        var plan = LoadPlan.From(spec, endpoints, model) with { ContinuousUsage = tokenizer.Remote };
        var calibration = ClientPreparation.Calibration(spec, settings.Calibration);
        RunOutcome outcome;
        RunSummary summary;
        if (spec.Placement?.Kind == "slurm")
        {
            // Workers calibrate on their own nodes; they are told the host's default when the spec leaves it empty.
            var resolved = spec with { Calibration = calibration is { } c ? Shared.Text.Duration.Format(c) : "off" };
            var result = await distributed.RunAsync(run, resolved, endpoints, model, plan, p => Publish(run, p), ct);
            outcome = result.Merged.Outcome;
            summary = Summarizer.Summarize(outcome, prompts.Tokenizer) with { Workers = result.Merged.Workers, WorkerJobId = result.JobId,
                TokenizerNote = tokenizerNote };
            summary = ClientLimits.Merge(summary, result.Merged.Workers);
            // A lost worker is named on the run itself, not only in the breakdown: the run is partial because of it.
            run.Error = result.Problem;
        }
        else
        {
            // Before the clock: the envelope of this machine for this shape, then connections opened to the endpoints.
            var prepared = await ClientPreparation.RunAsync(plan, prompts, http, calibration, spec.ClientWarmup,
                ClientCalibration.Binary(settings.CalibrationBinary), null, ct);
            if (prepared.Envelope.Status is "unavailable" or "failed")
            {
                logger.LogWarning("Benchmark {Id}: no client envelope ({Status}): {Reason}", run.Id, prepared.Envelope.Status,
                    prepared.Envelope.Reason);
            }

            var cpu = ClientCpu.Start();
            using var runner = new LoadRunner(plan, prompts, http, time, meter.For(run.Id, run.ExperimentId));
            outcome = await runner.RunAsync(prompts.Description, p => Publish(run, p), ct);
            summary = ClientLimits.Apply(Summarizer.Summarize(outcome, prompts.Tokenizer) with { TokenizerNote = tokenizerNote }, prepared.Envelope,
                prepared.Warmup, cpu.Fraction());
        }

        summary = summary.Checked(spec);
        if (summary.References is { Passed: false } references)
        {
            logger.LogWarning("Benchmark {Id}: {References}", run.Id, references.Summary);
        }

        run.Summary = JsonSerializer.Serialize(summary, Json.Options);
        run.Series = JsonSerializer.Serialize(Summarizer.Series(outcome), Json.Options);
        run.Vllm = JsonSerializer.Serialize(VllmKeys.From(summary, plan, outcome.Records), Json.Options);
        run.Status = outcome.Partial ? BenchmarkStatus.Partial : BenchmarkStatus.Completed;
        run.Completed = summary.Overall.Completed;
        run.Failed = summary.Overall.Failed;
        run.RequestThroughput = summary.Overall.RequestThroughput;
        run.OutputTokenThroughput = summary.Overall.OutputTokenThroughput;
        run.TtftP50Ms = summary.Overall.TtftMs?.P50;
        run.TtftP99Ms = summary.Overall.TtftMs?.P99;
        run.E2eP50Ms = summary.Overall.E2eMs?.P50;
        for (var part = 0; part * BenchmarkRequests.PartSize < outcome.Records.Count; part++)
        {
            var slice = outcome.Records.Skip(part * BenchmarkRequests.PartSize).Take(BenchmarkRequests.PartSize).ToList();
            var details = outcome.Details.Slice(part * BenchmarkRequests.PartSize, slice.Count);
            run.RequestParts.Add(new BenchmarkRequests
            {
                RunId = run.Id,
                Part = part,
                Count = slice.Count,
                Data = Exports.Encode(slice),
                ChunkGaps = details.ChunkGapsUs is { } gaps ? RequestDetails.EncodeGaps(gaps) : null,
                Texts = details.Texts is { } texts ? RequestDetails.EncodeTexts(texts) : null,
            });
        }
    }

    private void Publish(BenchmarkRun run, RunProgress p)
    {
        var message = new BenchmarkProgressed(run.Id, run.ExperimentId, Math.Round(p.Elapsed.TotalSeconds, 1), p.Step, p.Steps, p.StepLabel,
            p.Sent, p.Completed, p.Errors, p.InFlight, p.RequestsPerSecond, p.OutputTokensPerSecond, p.TtftMeanMs);
        // Progress is advisory: a slow or failing subscriber must never stall or fail the run.
        _ = Task.Run(async () =>
        {
            try
            {
                await publisher.Publish(message);
            }
            catch (Exception e)
            {
                logger.LogDebug(e, "Progress of benchmark {Id} not delivered", run.Id);
            }
        });
    }
}
