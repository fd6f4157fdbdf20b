using System.Text.Json;
using Aibench.Client.LoadGen;
using Aibench.Client.LoadGen.Distributed;
using Aibench.Client.Persistence;
using Aibench.Contracts.Client;
using Aibench.Contracts.Server;
using HdrHistogram;
using Mediator;
using Microsoft.Extensions.Logging;

namespace Aibench.Client.Jobs;

/// <summary>What a distributed run produced: the merged run, and the worker job it ran as.</summary>
internal sealed record DistributedOutcome(MergedRun Merged, string JobId, string RunFolder, string? Problem);

/// <summary>
/// A run whose load comes from workers in a batch job (placement <c>slurm</c>): submits the job through the Server
/// module, follows the workers' reports (HTTP or files), notices workers that died, cancels the job when the run is
/// cancelled, and merges everything into one outcome. docs/adr/0009-distributed-load-generation.md.
/// </summary>
internal sealed class DistributedRun(
    ISender sender,
    WorkerReports reports,
    IWorkerCallback callback,
    ClientSettings settings,
    TimeProvider time,
    ILogger<DistributedRun> logger)
{
    /// <summary>Time from submission to the shared start: the job must be scheduled and every worker started by then.</summary>
    private TimeSpan StartLead => settings.WorkerStartLead;

    /// <summary>How long the host waits for a worker's last report after its process ended or the job was cancelled.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(15);

    public async Task<DistributedOutcome> RunAsync(BenchmarkRun run, BenchmarkSpec spec, IReadOnlyList<Uri> endpoints, string model, LoadPlan plan,
        Action<RunProgress> progress, CancellationToken ct)
    {
        var placement = spec.Placement!;
        var workers = placement.Workers;
        var duration = Shared.Text.Duration.TryParse(spec.Duration, out var d) ? d
            : throw new InvalidOperationException("a distributed run needs a duration");
        var starts = WorkerShare.StepStarts(plan.Steps.Count, duration, plan.Timeout);
        // Each worker calibrates its client before the shared start (the spec says for how long, resolved by the job):
        // the lead grows by that time and a margin for starting the calibration's child process.
        var lead = StartLead + (ClientPreparation.Calibration(spec, null) is { } calibration ? calibration + TimeSpan.FromSeconds(5) : TimeSpan.Zero);
        var startAt = time.GetUtcNow() + lead;
        var runLength = TimeSpan.FromTicks(starts[^1] * 10) + duration + plan.Timeout;
        // The limit covers the lead, every step, the last requests' timeout and a margin; SLURM ends the job after it.
        var timeLimit = lead + runLength + TimeSpan.FromMinutes(5);
        var http = placement.Reporting == "http" && callback.BaseUrl is not null;
        var config = new WorkerConfig(run.Id, spec, [.. endpoints.Select(e => e.ToString())], model, workers, startAt.ToUnixTimeMilliseconds(),
            starts,
            http ? callback.BaseUrl : null, http ? callback.Token : null, http ? "http" : "files");

        var state = reports.Open(run.Id, workers);
        try
        {
            var job = await sender.Send(new SubmitWorkerJob(run.Id, placement.Nodes, placement.TasksPerNode, placement.Partition, placement.Account,
                timeLimit,
                JsonSerializer.Serialize(config, Json.Options), run.ExperimentId), ct);
            logger.LogInformation("Benchmark {Id}: {Workers} workers as {Scheduler} job {JobId}, reporting by {Reporting}, start at {Start:O}",
                run.Id, workers, job.Scheduler, job.JobId, config.Reporting, startAt);
            var (lost, cancelled) = await FollowAsync(run.Id, plan, job, state, startAt, progress, ct);
            var merged = WorkerMerge.Merge(plan, [.. state.Finals.Values], lost, cancelled);
            var problem = lost.Count == 0 ? null
                : string.Join("; ", lost.OrderBy(l => l.Worker).Select(l => $"worker {l.Worker} on {l.Node ?? "an unknown node"} died: {l.Reason}"));
            return new DistributedOutcome(merged, job.JobId, job.RunFolder, problem);
        }
        finally
        {
            reports.Close(run.Id);
        }
    }

    private async Task<(List<LostWorker> Lost, bool Cancelled)> FollowAsync(Guid id, LoadPlan plan, WorkerJob job, WorkerReports.Run state,
        DateTimeOffset startAt, Action<RunProgress> progress, CancellationToken ct)
    {
        var lost = new Dictionary<int, LostWorker>();
        var exitSeen = new Dictionary<int, DateTimeOffset>();
        DateTimeOffset? endedAt = null, cancelledAt = null;
        WorkerJobState? jobState = null;
        var nextQuery = DateTimeOffset.MinValue;
        while (true)
        {
            var now = time.GetUtcNow();
            if (ct.IsCancellationRequested && cancelledAt is null)
            {
                cancelledAt = now;
                jobState = await sender.Send(new CancelWorkerJob(job.JobId), CancellationToken.None);
                logger.LogInformation("Benchmark {Id} cancelled: worker job {JobId} cancelled ({State})", id, job.JobId, jobState.State);
            }

            ReadFiles(job.RunFolder, state);
            if (now >= nextQuery)
            {
                try
                {
                    jobState = await sender.Send(new GetWorkerJobState(job.JobId), CancellationToken.None);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogDebug(e, "Worker job {JobId} not queried", job.JobId);
                }

                nextQuery = now + TimeSpan.FromSeconds(2);
                if (jobState is { Ended: true } && endedAt is null) endedAt = now;
            }

            for (var w = 0; w < state.Workers; w++)
            {
                if (state.Finals.ContainsKey(w) || lost.ContainsKey(w))
                {
                    continue;
                }

                var exit = WorkerFiles.TryRead<ExitFile>(WorkerFiles.Exit(job.RunFolder, w));
                if (exit is not null)
                {
                    exitSeen.TryAdd(w, now);
                    if (now - exitSeen[w] >= Grace || (exit.Exit != 0 && now - exitSeen[w] >= TimeSpan.FromSeconds(3)))
                    {
                        lost[w] = new LostWorker(w, exit.Node, Describe(exit.Exit, job.RunFolder, w), state.Snapshots.GetValueOrDefault(w));
                        logger.LogWarning("Benchmark {Id}: worker {Worker} on {Node} died: {Reason}", id, w, exit.Node, lost[w].Reason);
                    }
                }
                else if (endedAt is { } ended && now - ended >= Grace)
                {
                    lost[w] = new LostWorker(w, state.Snapshots.GetValueOrDefault(w)?.Node,
                        $"the job ended ({jobState?.State}{(jobState?.Reason is { } r ? $", {r}" : "")}) without its report",
                        state.Snapshots.GetValueOrDefault(w));
                }
            }

            if (state.Finals.Count + lost.Count >= state.Workers)
            {
                return ([.. lost.Values], cancelledAt is not null);
            }

            if (cancelledAt is { } c && now - c >= Grace + Grace)
            {
                for (var w = 0; w < state.Workers; w++)
                {
                    if (!state.Finals.ContainsKey(w))
                        lost.TryAdd(w, new LostWorker(w, state.Snapshots.GetValueOrDefault(w)?.Node, "no report after the cancel",
                            state.Snapshots.GetValueOrDefault(w)));
                }

                return ([.. lost.Values], true);
            }

            Publish(plan, state, startAt, progress);
            await Task.Delay(TimeSpan.FromSeconds(1), time, CancellationToken.None);
        }
    }

    private sealed record ExitFile(int Exit, string? Node, int Task);

    /// <summary>The exit status in words, and the last line the worker wrote to its error output.</summary>
    private static string Describe(int exit, string runFolder, int worker)
    {
        var why = exit > 128 ? $"killed by signal {exit - 128} (exit {exit})" : $"exit {exit}";
        try
        {
            var err = Path.Combine(runFolder, $"task-{worker}.err");
            if (File.Exists(err) && File.ReadLines(err).LastOrDefault(l => l.Trim().Length > 0) is { } line)
            {
                why += $"; last error line: {line.Trim()}";
            }
        }
        catch (IOException)
        {
        }

        return why;
    }

    /// <summary>Reports written as files (the files path, or the fallback when a worker could not reach this host).</summary>
    private static void ReadFiles(string runFolder, WorkerReports.Run state)
    {
        for (var w = 0; w < state.Workers; w++)
        {
            if (!state.Finals.ContainsKey(w) && WorkerFiles.TryRead<WorkerFinal>(WorkerFiles.Final(runFolder, w)) is { } final && final.Worker == w)
            {
                state.Finals.TryAdd(w, final);
            }

            if (WorkerFiles.TryRead<WorkerSnapshot>(WorkerFiles.Snapshot(runFolder, w)) is { } snapshot && snapshot.Worker == w
                && (!state.Snapshots.TryGetValue(w, out var seen) || seen.ElapsedSeconds < snapshot.ElapsedSeconds))
            {
                state.Snapshots[w] = snapshot;
            }
        }
    }

    /// <summary>The live view: counters summed, TTFT from the workers' histograms added together.</summary>
    private void Publish(LoadPlan plan, WorkerReports.Run state, DateTimeOffset startAt, Action<RunProgress> progress)
    {
        var snapshots = state.Snapshots.Values.ToList();
        if (snapshots.Count == 0)
        {
            return;
        }

        var ttft = Histograms.New();
        foreach (var s in snapshots) ttft.Add(s.Ttft.ToHistogram());
        var step = snapshots.Max(s => s.Step);
        var elapsed = time.GetUtcNow() - startAt;
        progress(new RunProgress(elapsed < TimeSpan.Zero ? TimeSpan.Zero : elapsed, step, plan.Steps.Count,
            plan.Steps[Math.Clamp(step - 1, 0, plan.Steps.Count - 1)].Label,
            snapshots.Sum(s => s.Sent), snapshots.Sum(s => s.Completed), snapshots.Sum(s => s.Errors), snapshots.Sum(s => s.InFlight),
            Math.Round(snapshots.Sum(s => s.RequestsPerSecond), 3), Math.Round(snapshots.Sum(s => s.OutputTokensPerSecond), 3),
            ttft.TotalCount > 0 ? Math.Round(ttft.GetMean() / 1000, 3) : null,
            plan.Steps[Math.Clamp(step - 1, 0, plan.Steps.Count - 1)].TargetRate));
    }
}
