using System.Globalization;
using Aibench.Contracts;
using Aibench.Contracts.Client;
using Aibench.Contracts.Experiments;
using Aibench.Experiments.Persistence;
using Aibench.Experiments.Planning;

namespace Aibench.Experiments.Jobs;

/// <summary>
/// The loading stage of a capacity test (ADR 0007's state machine, one stage): probe after probe, each a load run of
/// its own, until <see cref="CapacitySearch"/> stops. The search is stored with the experiment after every change and a
/// probe's run id before the run is asked for, so a host restart resumes it; a probe cut short by a restart runs again.
/// The best passing probe becomes the experiment's measured run (its latencies, the service's histograms over it).
/// </summary>
internal static class CapacitySteps
{
    public static ExperimentStep Searching(Experiment e, StepFacts facts, DateTimeOffset now, Guid instance)
    {
        var search = ExperimentWorkflow.FromJson<CapacitySearch>(e.Capacity!);
        var load = ExperimentWorkflow.FromJson<BenchmarkSpec>(e.Spec);
        if (search.Running is { } interrupted && e.BenchmarkId != interrupted.BenchmarkId)
        {
            // A service restart interrupted the probe (its run was cancelled and set aside): it runs again once ready.
            search = search.Dropped();
            Store(e, search);
        }

        if (search.Running is { } probe)
        {
            var run = facts.Load;
            if (run is null)
            {
                return ExperimentSteps.Watch(e, facts.Service, now)
                    ?? ExperimentSteps.Start(e, probe.BenchmarkId, search.ProbeSpec(load, probe.Rate, probe.Index), Progress(search));
            }

            if (!run.Status.IsFinished())
            {
                if (ExperimentSteps.Watch(e, facts.Service, now) is { } stop)
                {
                    return stop;
                }

                var allowed = TimeSpan.FromSeconds(search.WatchSeconds(probe.Rate))
                    + (Shared.Text.Duration.TryParse(load.Timeout, out var t) ? t : TimeSpan.Zero) + TimeSpan.FromMinutes(2);
                if (now - probe.StartedAt > allowed)
                {
                    ExperimentSteps.Abort(e, $"capacity probe {probe.Index} did not end within {ExperimentSteps.Minutes(allowed)}");
                }

                return ExperimentStep.Hold;
            }

            if (run.Status != BenchmarkStatus.Completed && e.LoadStartedBy != instance)
            {
                if (++e.LoadAttempts >= ExperimentSteps.MaxLoadAttempts)
                {
                    ExperimentSteps.Abort(e, $"capacity probes were cut short by a host restart {e.LoadAttempts} times");
                    return ExperimentStep.Hold;
                }

                // What a cut probe measured covers part of it only: it runs again, at the same rate.
                Store(e, search.Dropped());
                e.BenchmarkId = null;
                e.Reason = $"capacity probe {probe.Index} was cut short by a host restart ({run.Status.WireName()}); it runs again";
                return ExperimentStep.Hold;
            }

            if (run.Status != BenchmarkStatus.Completed)
            {
                ExperimentSteps.Abort(e, $"capacity probe {probe.Index} at {Rate(search, probe.Rate)} {run.Status.WireName()}: {run.Error}");
                return ExperimentStep.Hold;
            }

            search = search.Record(run);
            Store(e, search);
        }

        var next = search.Next(now, TimeSpan.FromSeconds(e.DurationSeconds));
        if (next.Rate is { } rate)
        {
            var id = ExperimentSteps.NewRun(e, now, instance);
            search = search.Started(rate, id, now);
            Store(e, search);
            e.BenchmarkId = id;
            e.Reason = Progress(search);
            return ExperimentSteps.Start(e, id, search.ProbeSpec(load, rate, search.Probes.Count), null);
        }

        search = search with { Ended = next.Ended };
        Store(e, search);
        var outcome = search.Outcome(next.Ended!);
        // The measured run is the best probe that passed (the capacity's own numbers), else the last one.
        var best = outcome.Lower is { } lower ? search.Probes.Last(p => p.Finished && p.Rate == lower) : search.Probes.Last(p => p.Finished);
        e.BenchmarkId = best.BenchmarkId;
        e.Reason = null;
        ExperimentSteps.Enter(e, ExperimentStage.Collecting, now, $"capacity {outcome.Summary}");
        return ExperimentStep.Hold;
    }

    /// <summary>What the search found so far: the outcome once it stopped, else with <c>running</c> as its reason.</summary>
    public static CapacityOutcome? Outcome(Experiment e)
    {
        if (e.Capacity is null)
        {
            return null;
        }

        var search = ExperimentWorkflow.FromJson<CapacitySearch>(e.Capacity);
        return search.Outcome(search.Ended ?? "running");
    }

    private static void Store(Experiment e, CapacitySearch search) => e.Capacity = ExperimentWorkflow.ToJson(search);

    private static string Progress(CapacitySearch search)
    {
        var probe = search.Running!;
        return $"capacity probe {probe.Index} at {Rate(search, probe.Rate)}; so far: {search.Outcome("running").Summary}";
    }

    private static string Rate(CapacitySearch search, double rate) =>
        string.Create(CultureInfo.InvariantCulture, $"{rate:0.###} {(search.Settings.Closed ? "in flight" : "req/s")}");
}
