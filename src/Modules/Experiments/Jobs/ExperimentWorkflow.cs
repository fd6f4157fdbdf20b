using System.Collections.Concurrent;
using System.Text.Json;
using Aibench.Contracts;
using Aibench.Contracts.Client;
using Aibench.Contracts.Experiments;
using Aibench.Contracts.Monitor;
using Aibench.Contracts.Server;
using Aibench.Experiments.Persistence;
using Aibench.Shared.Api;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Aibench.Experiments.Jobs;

/// <summary>
/// The experiment state machine's I/O: each call reads the experiment and what the Server and Client modules say about
/// its service and runs, lets <see cref="ExperimentSteps"/> decide, sends what it decided and stores the outcome.
/// Nothing is kept in memory between calls, so the recurring <c>experiments:advance</c> carries on after a restart
/// from the database alone. Every step is safe to repeat: the service and run ids are stored before the
/// Server and Client modules are asked to create them, and both answer a repeated id with what they made the first
/// time. Waiting never blocks: a stage that is not done returns and is looked at again on the next poll or
/// notification.
/// </summary>
internal sealed class ExperimentWorkflow(
    IDbContextFactory<ExperimentsDbContext> dbFactory,
    ISender sender,
    IPublisher publisher,
    ExperimentsSettings settings,
    TimeProvider time,
    ILogger<ExperimentWorkflow> logger)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _gates = new();

    /// <summary>This host process. A load run started by another one was cut short by a restart.</summary>
    public Guid Instance { get; } = Guid.NewGuid();

    public static string ToJson<T>(T value) => JsonSerializer.Serialize(value, Json);

    public static T FromJson<T>(string json) => JsonSerializer.Deserialize<T>(json, Json)!;

    /// <summary>Moves one experiment on as far as it can go now.</summary>
    public async Task AdvanceAsync(Guid id, CancellationToken cancellationToken)
    {
        // Polls, notifications and a cancel may all arrive at once; one step at a time per experiment.
        var gate = _gates.GetOrAdd(id, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            // A stage that ends at once hands over to the next in the same call (bounded, in case of a bug).
            for (var pass = 0; pass < 16; pass++)
            {
                await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
                var e = await db.Experiments.Include(x => x.Stages).SingleOrDefaultAsync(x => x.Id == id, cancellationToken);
                if (e is null || e.Status != ExperimentStatus.Running)
                {
                    return;
                }

                var before = (e.Stage, e.Reason, e.AbortReason, e.CancelRequested);
                await StepAsync(db, e, cancellationToken);
                await db.SaveChangesAsync(cancellationToken);
                if ((e.Stage, e.Reason) != (before.Stage, before.Reason))
                {
                    await PublishAsync(e, cancellationToken);
                }

                if ((e.Stage, e.AbortReason, e.CancelRequested) == (before.Stage, before.AbortReason, before.CancelRequested))
                {
                    return;
                }
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task PublishAsync(Experiment e, CancellationToken ct)
    {
        try
        {
            await publisher.Publish(new ExperimentChanged(e.Id, e.Stage, e.Status, e.Reason, e.ServiceId, e.BenchmarkId, e.UpdatedAt), ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Live views are advisory: the change is stored, and a failing subscriber must not stop the workflow.
            logger.LogWarning(ex, "ExperimentChanged for {Id} not delivered", e.Id);
        }

        // Its end, once: the next pass finds the experiment no longer running and returns before publishing anything.
        if (e.Status != ExperimentStatus.Running)
        {
            await ExperimentEnd.PublishAsync(publisher, e, logger, ct);
        }
    }

    /// <summary>One step: the facts, the decision, the messages it asks for.</summary>
    private async Task StepAsync(ExperimentsDbContext db, Experiment e, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var aborted = e.AbortReason;
        switch (ExperimentSteps.Next(e, await FactsAsync(e, now, ct), now, Instance, settings))
        {
            case StartRun start:
                // The run's id is stored before it is asked for, so that a step cut in between is repeated harmlessly.
                await db.SaveChangesAsync(ct);
                await StartRunAsync(e, start, ct);
                break;
            case CancelInterruptedRun interrupted:
                await CancelRunAsync(interrupted.RunId, ct);
                logger.LogWarning("Experiment {Id}: the service restarted during the {Stage}; the stage runs again", e.Id,
                    interrupted.Stage.WireName());
                break;
            case StopService stop:
                if (await StopServiceAsync(e, stop.ServiceId, ct))
                {
                    ExperimentSteps.ServiceStopped(e, now);
                }

                break;
            case WindDown down:
                await WindDownAsync(e, down, now, ct);
                break;
        }

        if (aborted is null && e.AbortReason is not null)
        {
            logger.LogWarning("Experiment {Id} fails: {Reason}", e.Id, e.AbortReason);
        }
    }

    /// <summary>What the other modules say now about the experiment's service and runs (queries only).</summary>
    private async Task<StepFacts> FactsAsync(Experiment e, DateTimeOffset now, CancellationToken ct)
    {
        var service = e.ServiceId is { } serviceId ? await sender.Send(new GetServiceStatus(serviceId), ct) : null;
        var warmup = e.WarmupBenchmarkId is { } warmupId ? await sender.Send(new GetBenchmarkResult(warmupId), ct) : null;
        var load = e.BenchmarkId is { } loadId ? await sender.Send(new GetBenchmarkResult(loadId), ct) : null;
        var facts = new StepFacts(service, warmup, load);
        return ExperimentSteps.WantsLatencies(e, load, now, settings) ? facts with { Latencies = await ServerLatenciesAsync(e, load!, ct) } : facts;
    }

    /// <summary>
    /// The service's own latency histograms over the measured run, for the TTFT breakdown. The measured run of an
    /// experiment has no warm-up of its own (the warm-up is a run before it), so its window is the run's start to its end.
    /// The numbers are advisory: a Monitor that cannot answer leaves the breakdown out, never fails the experiment.
    /// </summary>
    private async Task<ServerLatencies?> ServerLatenciesAsync(Experiment e, BenchmarkResult run, CancellationToken ct)
    {
        try
        {
            return await sender.Send(new GetServerLatencies(e.ServiceId!.Value, run.StartedAt!.Value, run.FinishedAt!.Value), ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Server latencies of experiment {Id} not available", e.Id);
            return null;
        }
    }

    private async Task StartRunAsync(Experiment e, StartRun start, CancellationToken ct)
    {
        try
        {
            await sender.Send(new StartBenchmark(start.Spec, start.RunId), ct);
            ExperimentSteps.RunStarted(e, start, Instance);
        }
        catch (Exception ex) when (ex is ConflictException or NotFoundException or ValidationException)
        {
            // Most likely the service went away between the check and the start; the decision says so when it did.
            ExperimentSteps.RunRefused(e, await sender.Send(new GetServiceStatus(e.ServiceId!.Value), ct), ex.Message);
        }
    }

    /// <summary>Cancels a run that may never have started or may have ended already: then nothing runs, which is the point.</summary>
    private async Task CancelRunAsync(Guid? runId, CancellationToken ct)
    {
        if (runId is not { } id)
        {
            return;
        }

        try
        {
            await sender.Send(new CancelBenchmark(id), ct);
        }
        catch (Exception ex) when (ex is NotFoundException or ConflictException)
        {
            // Never started, or ended already: nothing runs against the restarting service.
        }
    }

    private async Task WindDownAsync(Experiment e, WindDown down, DateTimeOffset now, CancellationToken ct)
    {
        foreach (var run in down.RunsToCancel)
        {
            await sender.Send(new CancelBenchmark(run), ct);
        }

        if (down.ServiceToStop is { } service && !await StopServiceAsync(e, service, ct))
        {
            return;
        }

        // Read again: the load run writes what it measured once cancelled.
        var load = e.BenchmarkId is { } loadId ? await sender.Send(new GetBenchmarkResult(loadId), ct) : null;
        ExperimentSteps.WoundDown(e, load, now, settings);
    }

    /// <summary>Asks for the service to be stopped; false while the scheduler cannot be reached (tried again next time).</summary>
    private async Task<bool> StopServiceAsync(Experiment e, Guid serviceId, CancellationToken ct)
    {
        try
        {
            // Said as the service's pages will show it: after a successful run, "cancelled" would read as a failure.
            var reason = e.CancelRequested ? "stopped: its experiment was cancelled"
                : e.AbortReason is not null ? "stopped: its experiment failed"
                : "stopped by its experiment, which finished its load";
            await sender.Send(new CancelService(serviceId, reason), ct);
            return true;
        }
        catch (ConflictException ex)
        {
            ExperimentSteps.ServiceNotStopped(e, ex.Message);
            return false;
        }
    }
}
