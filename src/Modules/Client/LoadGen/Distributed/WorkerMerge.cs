using HdrHistogram;

namespace Aibench.Client.LoadGen.Distributed;

/// <summary>A worker the host heard no end from: where it ran and why it stopped.</summary>
internal sealed record LostWorker(int Worker, string? Node, string Reason, WorkerSnapshot? LastSnapshot);

/// <summary>The merged run, shaped like an in-process one, and the per-worker breakdown.</summary>
internal sealed record MergedRun(RunOutcome Outcome, IReadOnlyList<WorkerResult> Workers, LongHistogram Ttft, LongHistogram E2e);

/// <summary>
/// Merges what the workers measured. Records are put on one clock (each worker's offset from the earliest start) and
/// summarised exactly like an in-process run's, so every percentile is computed from all requests; the inter-token
/// histograms and the workers' own TTFT/E2E histograms are added (HdrHistogram add, never averaged percentiles);
/// per-second columns are summed second by second.
/// </summary>
internal static class WorkerMerge
{
    public static MergedRun Merge(LoadPlan plan, IReadOnlyList<WorkerFinal> finals, IReadOnlyList<LostWorker> lost, bool cancelled)
    {
        var origin = finals.Count == 0 ? 0 : finals.Min(f => f.StartedAtUnixUs);
        var records = new List<RequestRecord>();
        var details = new List<RequestDetails>();
        var itl = plan.Steps.Select(_ => Histograms.New()).ToArray();
        var series = new PerSecond();
        var windows = new Dictionary<int, StepWindow>();
        var ttft = Histograms.New();
        var e2e = Histograms.New();
        var errorSamples = new Dictionary<string, string>(StringComparer.Ordinal);
        var breakdown = new List<WorkerResult>();
        long maxInFlight = 0;
        foreach (var final in finals.OrderBy(f => f.Worker))
        {
            var offset = final.StartedAtUnixUs - origin;
            var mine = Exports.Decode(Convert.FromBase64String(final.Records));
            for (var i = 0; i < mine.Length; i++)
            {
                ref var r = ref mine[i];
                r.ScheduledUs += offset;
                r.SentUs += offset;
                r.EndUs += offset;
                if (r.FirstTokenUs >= 0) r.FirstTokenUs += offset;
                if (r.LastTokenUs >= 0) r.LastTokenUs += offset;
            }

            records.AddRange(mine);
            details.Add(Details(final, mine.Length));
            for (var s = 0; s < Math.Min(itl.Length, final.ItlUs.Count); s++)
            {
                itl[s].Add(final.ItlUs[s].ToHistogram());
            }

            series.AddRows(final.Series, (long)Math.Round(offset / 1e6) * 1_000_000);

            foreach (var w in final.Steps)
            {
                var moved = w with { StartUs = w.StartUs + offset, WarmupEndUs = w.WarmupEndUs + offset, DispatchEndUs = w.DispatchEndUs + offset,
                    EndUs = w.EndUs + offset };
                windows[w.Index] = windows.TryGetValue(w.Index, out var seen)
                    ? seen with
                    {
                        StartUs = Math.Min(seen.StartUs, moved.StartUs),
                        WarmupEndUs = Math.Min(seen.WarmupEndUs, moved.WarmupEndUs),
                        DispatchEndUs = Math.Max(seen.DispatchEndUs, moved.DispatchEndUs),
                        EndUs = Math.Max(seen.EndUs, moved.EndUs),
                        // The step's target is the whole run's, not one worker's share.
                    }
                    : moved with { TargetRate = plan.Steps[w.Index].TargetRate, Concurrency = plan.Steps[w.Index].Concurrency,
                        Label = plan.Steps[w.Index].Label };
            }

            ttft.Add(final.Ttft.ToHistogram());
            e2e.Add(final.E2e.ToHistogram());
            maxInFlight += final.MaxInFlight;
            foreach (var (k, v) in final.ErrorSamples) errorSamples.TryAdd(k, v);

            var ownSummary = Summarizer.Summarize(new RunOutcome(plan, final.Dataset, DateTimeOffset.UnixEpoch, mine,
                [.. final.ItlUs.Select(h => h.ToHistogram())],
                new PerSecond(), final.Steps, final.MaxInFlight, final.StopReason, final.Partial, final.ErrorSamples));
            var own = ownSummary.Overall;
            // Each worker is judged against its own envelope and CPU: one client-bound node is enough to skew the run.
            var reasons = ClientLimits.Reasons(ownSummary, final.Envelope, final.ClientCpu);
            breakdown.Add(new WorkerResult(final.Worker, final.Node, final.Partial ? "partial" : "completed", null, own.Sent, own.Completed,
                own.Failed,
                own.AchievedRate, own.TtftMs?.P50, own.TtftMs?.P99, own.E2eMs?.P50, own.E2eMs?.P99, own.ScheduleLagMs?.P99)
            {
                Envelope = final.Envelope,
                ClientCpu = final.ClientCpu,
                ClientLimited = reasons.Count > 0,
                ClientLimitReasons = reasons.Count > 0 ? reasons : null,
            });
        }

        foreach (var l in lost)
        {
            var s = l.LastSnapshot;
            breakdown.Add(new WorkerResult(l.Worker, l.Node ?? s?.Node, "died", l.Reason, s?.Sent ?? 0, s?.Completed ?? 0, s?.Errors ?? 0, null,
                null, null, null, null, null));
        }

        // One index space: in the order requests were scheduled, as an in-process run numbers them.
        int[] order = [.. Enumerable.Range(0, records.Count).OrderBy(i => records[i].ScheduledUs).ThenBy(i => records[i].Index)];
        var merged = order.Select(i => records[i]).ToArray();
        for (var i = 0; i < merged.Length; i++)
        {
            merged[i].Index = i;
        }

        var partial = cancelled || lost.Count > 0 || finals.Any(f => f.Partial);
        // Stopped for the objectives only when every worker was: one worker's bound on its own share is stricter than the
        // run's, so one that stopped alone does not make the merged run a certain fail (its requests count as measured).
        var stop = cancelled ? "cancelled" : lost.Count > 0 ? "worker lost"
            : finals.Count > 0 && finals.All(f => f.StopReason == "slo-broken") ? "slo-broken"
            : finals.FirstOrDefault(f => f.StopReason != "slo-broken")?.StopReason ?? "duration";
        var outcome = new RunOutcome(plan, finals.FirstOrDefault()?.Dataset ?? "", DateTimeOffset.FromUnixTimeMilliseconds(origin / 1000), merged,
            itl, series,
            [.. windows.Values.OrderBy(w => w.Index)], maxInFlight, stop, partial, errorSamples)
        {
            // A kind of detail is kept only when every worker gave it: itls of some requests only would not line up with input_lens.
            Details = RequestDetails.Concat(details).Reordered(order),
        };
        return new MergedRun(outcome, [.. breakdown.OrderBy(b => b.Worker)], ttft, e2e);
    }

    /// <summary>A worker's chunk gaps and texts; a kind whose count does not match its records is dropped rather than misaligned.</summary>
    private static RequestDetails Details(WorkerFinal final, int records)
    {
        var gaps = final.ChunkGaps is { } g ? RequestDetails.DecodeGaps(Convert.FromBase64String(g)) : null;
        var texts = final.Texts is { } t ? RequestDetails.DecodeTexts(Convert.FromBase64String(t)) : null;
        return new RequestDetails(gaps?.Length == records ? gaps : null, texts?.Length == records ? texts : null);
    }
}
