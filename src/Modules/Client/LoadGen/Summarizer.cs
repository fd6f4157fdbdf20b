using HdrHistogram;

namespace Aibench.Client.LoadGen;

/// <summary>Turns what a run measured into its summary and per-second series.</summary>
internal static class Summarizer
{
    /// <summary>Summarises a run; <paramref name="tokenizer"/> is what counted its prompts (server:/tokenize, file:&lt;sha256&gt; or
    /// o200k).</summary>
    public static RunSummary Summarize(RunOutcome outcome, string tokenizer = "o200k")
    {
        var steps = outcome.Steps.Select(w => Step(outcome, [w], w.Index, w.Label, w.Concurrency, w.TargetRate)).ToList();
        var overall = steps.Count == 1
            ? steps[0]
            : Step(outcome, outcome.Steps, -1, "all steps", null, null);
        var wall = outcome.Records.Count == 0 ? 0 : outcome.Records.Max(r => r.EndUs) / 1e6;
        return new RunSummary(outcome.StopReason, outcome.Partial, outcome.StartedAt, wall, overall, steps,
            outcome.ErrorSamples.ToDictionary(), tokenizer)
        {
            AsDefinedBy = PeerDefinitions.From(outcome),
        };
    }

    public static IReadOnlyList<SecondPoint> Series(RunOutcome outcome)
    {
        var seconds = outcome.Series.Seconds;
        var points = new List<SecondPoint>((int)Math.Min(seconds, 1_000_000));
        for (long s = 0; s < seconds; s++)
        {
            points.Add(outcome.Series.Point(s));
        }

        return points;
    }

    private static StepResult Step(RunOutcome outcome, IReadOnlyList<StepWindow> windows, int index, string label, int? concurrency,
        double? targetRate)
    {
        var plan = outcome.Plan;
        var stepSet = windows.Select(w => w.Index).ToHashSet();
        var all = outcome.Records.Where(r => stepSet.Contains(r.Step)).ToList();
        var measured = all.Where(r => !r.Warmup && r.Error != RequestError.Cancelled).ToList();
        var ok = measured.Where(r => r.Ok).ToList();
        var failed = measured.Where(r => !r.Ok).ToList();

        // The measured window of each step: from the end of its warm-up to the last measured answer.
        double duration = 0, sendWindow = 0;
        foreach (var w in windows)
        {
            var mine = measured.Where(r => r.Step == w.Index).ToList();
            var start = Math.Max(w.StartUs, w.WarmupEndUs);
            var end = mine.Count == 0 ? w.DispatchEndUs : Math.Max(w.DispatchEndUs, mine.Max(r => r.EndUs));
            duration += Math.Max(0, end - start) / 1e6;
            var lastSent = mine.Count == 0 ? w.DispatchEndUs : Math.Max(w.DispatchEndUs, mine.Max(r => r.SentUs));
            sendWindow += Math.Max(0, lastSent - start) / 1e6;
        }

        double PerSecond(double n) => duration > 0 ? n / duration : 0;

        var input = ok.Sum(r => (long)r.EffectiveInputTokens);
        var output = ok.Sum(r => (long)r.EffectiveOutputTokens);
        var withUsage = ok.Where(r => r.ServerOutputTokens >= 0).ToList();
        var serverIn = withUsage.Where(r => r.ServerInputTokens >= 0).Sum(r => (long)r.ServerInputTokens);
        var clientIn = withUsage.Where(r => r.ServerInputTokens >= 0).Sum(r => (long)r.InputTokens);
        var serverOut = withUsage.Sum(r => (long)r.ServerOutputTokens);
        var clientOut = withUsage.Sum(r => (long)r.OutputTokens);

        var meetsSlo = !plan.HasObjectives
            ? (long?)null
            : ok.Count(r => MeetsSlo(r, plan));

        var itl = Histograms.New();
        foreach (var w in windows)
        {
            itl.Add(outcome.ItlUs[w.Index]);
        }

        long peak = 0, peakInput = 0;
        foreach (var w in windows)
        {
            var from = Math.Max(w.StartUs, w.WarmupEndUs);
            peak = Math.Max(peak, outcome.Series.Peak(from, w.EndUs, SecondColumn.OutputTokens));
            peakInput = Math.Max(peakInput, outcome.Series.Peak(from, w.EndUs, SecondColumn.InputTokens));
        }

        // From the records, not the per-second series: steps of a sweep share the second in which one ends and the next begins.
        var maxConcurrency = MaxOverlap(all.Where(r => r.Error != RequestError.Cancelled));

        return new StepResult(
            index,
            label,
            concurrency,
            targetRate,
            concurrency is null && sendWindow > 0 ? Math.Round(measured.Count / sendWindow, 4) : null,
            Math.Round(duration, 6),
            measured.Count,
            ok.Count,
            failed.Count,
            all.Count(r => r.Warmup),
            all.Count(r => r.Error == RequestError.Cancelled),
            Math.Round(PerSecond(ok.Count), 4),
            Math.Round(PerSecond(input), 3),
            Math.Round(PerSecond(output), 3),
            Math.Round(PerSecond(input + output), 3),
            peak,
            meetsSlo is { } good ? Math.Round(PerSecond(good), 4) : null,
            meetsSlo is { } g && measured.Count > 0 ? Math.Round((double)g / measured.Count, 6) : null,
            plan.Stream ? Latency(ok.Where(r => r.TtftUs is not null).Select(r => r.TtftUs!.Value)) : null,
            plan.Stream ? Latency(ok.Where(r => r.TpotUs is not null).Select(r => (long)Math.Round(r.TpotUs!.Value))) : null,
            plan.Stream ? Latency(itl) : null,
            Latency(ok.Select(r => r.E2eUs)),
            Latency(measured.Select(r => r.LagUs)),
            plan.Stream ? Ratio(ok.Where(r => r.Chunks > 0).Select(r => (double)r.EffectiveOutputTokens / r.Chunks)) : null,
            new TokenTotals(input, output, withUsage.Count, serverIn, clientIn, serverOut, clientOut,
                serverIn > 0 ? Math.Round((clientIn - serverIn) * 100.0 / serverIn, 3) : null,
                serverOut > 0 ? Math.Round((clientOut - serverOut) * 100.0 / serverOut, 3) : null),
            failed.GroupBy(r => r.ErrorLabel).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => (long)g.Count()),
            duration > 0 ? Math.Round(measured.Sum(r => (double)(r.EndUs - r.SentUs)) / 1e6 / duration, 3) : 0,
            maxConcurrency,
            peakInput)
        {
            ObjectiveAttainment = ObjectiveAttainment(measured, plan),
        };
    }

    /// <summary>Most requests in flight at once: a sweep over send (+1) and end (−1) times, ends first on ties.</summary>
    public static long MaxOverlap(IEnumerable<RequestRecord> records)
    {
        var events = records.SelectMany(r => new[] { (T: r.SentUs, D: 1), (T: r.EndUs, D: -1) }).OrderBy(e => e.T).ThenBy(e => e.D);
        long current = 0, max = 0;
        foreach (var (_, d) in events)
        {
            current += d;
            max = Math.Max(max, current);
        }

        return max;
    }

    public static bool MeetsSlo(RequestRecord r, LoadPlan plan) =>
        r.Ok && MeetsTtft(r, plan) && MeetsTpot(r, plan) && MeetsItl(r, plan) && MeetsE2e(r, plan);

    private static bool MeetsTtft(RequestRecord r, LoadPlan plan) => plan.SloTtft is not { } ttft || (r.TtftUs is { } t && t <= ttft.Ticks / 10);

    private static bool MeetsTpot(RequestRecord r, LoadPlan plan) => plan.SloTpot is not { } tpot || r.TpotUs is not { } p || p <= tpot.Ticks / 10;

    private static bool MeetsItl(RequestRecord r, LoadPlan plan) => plan.SloItl is not { } itl || r.ItlUs is not { } i || i <= itl.Ticks / 10;

    private static bool MeetsE2e(RequestRecord r, LoadPlan plan) => plan.SloE2e is not { } e2e || r.E2eUs <= e2e.Ticks / 10;

    /// <summary>Each objective given on its own: the share of the measured requests that met it (a failed one meets none).</summary>
    private static Dictionary<string, double>? ObjectiveAttainment(List<RequestRecord> measured, LoadPlan plan)
    {
        if (measured.Count == 0 || !plan.HasObjectives)
        {
            return null;
        }

        var shares = new Dictionary<string, double>(StringComparer.Ordinal);
        void Add(string name, TimeSpan? objective, Func<RequestRecord, LoadPlan, bool> meets)
        {
            if (objective is not null)
            {
                shares[name] = Math.Round(measured.Count(r => r.Ok && meets(r, plan)) / (double)measured.Count, 6);
            }
        }

        Add("ttft", plan.SloTtft, MeetsTtft);
        Add("tpot", plan.SloTpot, MeetsTpot);
        Add("itl", plan.SloItl, MeetsItl);
        Add("e2e", plan.SloE2e, MeetsE2e);
        return shares;
    }

    private static Stats? Latency(IEnumerable<long> valuesUs)
    {
        var histogram = Histograms.New();
        foreach (var v in valuesUs)
        {
            histogram.Record(v);
        }

        return Latency(histogram);
    }

    private static Stats? Latency(LongHistogram h)
    {
        if (h.TotalCount == 0)
        {
            return null;
        }

        static double Ms(double us) => Math.Round(us / 1000, 3);
        return new Stats(h.TotalCount, Ms(h.GetMean()), Ms(h.GetStdDeviation()), Ms(h.LowestEquivalentValue(h.GetValueAtPercentile(0))),
            Ms(h.GetMaxValue()), Ms(h.GetValueAtPercentile(50)), Ms(h.GetValueAtPercentile(90)), Ms(h.GetValueAtPercentile(95)),
            Ms(h.GetValueAtPercentile(99)), Ms(h.GetValueAtPercentile(99.9)));
    }

    private static Stats? Ratio(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return null;
        }

        // Nearest rank, as HdrHistogram reports the latencies.
        double At(double p) => Math.Round(NearestRank.Of(sorted, p), 4);
        var mean = sorted.Average();
        var std = Math.Sqrt(sorted.Sum(v => (v - mean) * (v - mean)) / sorted.Length);
        return new Stats(sorted.Length, Math.Round(mean, 4), Math.Round(std, 4), sorted[0], sorted[^1],
            At(50), At(90), At(95), At(99), At(99.9));
    }
}
