using System.Globalization;
using Aibench.Contracts.Client;
using Aibench.Shared.Text;

namespace Aibench.Experiments.Planning;

/// <summary>
/// A capacity search as it stands: its settings and the probes so far, stored with the experiment so that it goes on
/// after a host restart. Pure: the workflow asks <see cref="Next"/> what to run, runs it, and hands the run to
/// <see cref="Record"/>.
/// <para>
/// The search brackets the capacity by doubling from the start rate until a probe fails (or halving until one passes),
/// then bisects between the highest rate that passed and the lowest that failed until (upper − lower) / (upper + lower)
/// is within the tolerance. A probe whose share of requests meeting the objectives is too close to the target to call
/// (the target lies inside its 95 % Wilson interval) is repeated at the same rate, its requests pooled, up to
/// <see cref="ExperimentCapacity.Repeats"/> probes; then its point estimate decides.
/// </para>
/// </summary>
/// <param name="Settings">The resolved settings.</param>
/// <param name="Target">Share of requests that must meet every objective.</param>
/// <param name="MaxErrorRate">Share of failed requests above which a probe fails.</param>
/// <param name="Probes">The probes so far, in order; the last one may still run.</param>
/// <param name="StartedAt">When the first probe was asked for; the budget counts from then.</param>
/// <param name="Ended">Why the search stopped (see <see cref="CapacityOutcome.Ended"/>); null while it goes on.</param>
public sealed record CapacitySearch(
    ExperimentCapacity Settings,
    double Target,
    double MaxErrorRate,
    IReadOnlyList<CapacityProbe> Probes,
    DateTimeOffset? StartedAt = null,
    string? Ended = null)
{
    /// <summary>A search never runs more probes than this, whatever its budget.</summary>
    public const int MaxProbes = 64;

    /// <summary>Below the start rate divided by this, a search that found no passing rate gives up.</summary>
    private const double LowestFraction = 64;

    private const double Z = 1.96;

    public static CapacitySearch Begin(ExperimentCapacity settings, ExperimentSlo slo, int replicas) =>
        new(settings.Resolved(replicas), slo.Target ?? ExperimentSlo.DefaultTarget, slo.MaxErrorRate ?? ExperimentSlo.DefaultMaxErrorRate, []);

    /// <summary>The probe still running, if any.</summary>
    public CapacityProbe? Running => Probes.Count > 0 && !Probes[^1].Finished ? Probes[^1] : null;

    /// <summary>What to do next: a probe at a rate, or stop (<see cref="CapacityDecision.Stop"/> names why).</summary>
    public CapacityDecision Next(DateTimeOffset now, TimeSpan budget)
    {
        if (Running is not null)
        {
            throw new InvalidOperationException("a probe still runs");
        }

        var start = Settings.Start!.Value;
        if (Probes.Count == 0)
        {
            return CapacityDecision.Probe(start);
        }

        if (Probes.Any(p => p.ClientLimited))
        {
            return CapacityDecision.Stop("client-limited");
        }

        if (StartedAt is { } began && now - began >= budget)
        {
            return CapacityDecision.Stop("budget");
        }

        if (Probes.Count >= MaxProbes)
        {
            return CapacityDecision.Stop("budget");
        }

        var verdicts = Verdicts();
        if (verdicts.FirstOrDefault(v => !v.Conclusive && v.Probes < Settings.Repeats) is { } unsure)
        {
            return CapacityDecision.Probe(unsure.Rate);
        }

        var (lower, upper) = Bracket(verdicts);
        CapacityDecision next;
        if (upper is null)
        {
            next = lower!.Rate >= Settings.MaxRate!.Value ? CapacityDecision.Stop("max-rate")
                : CapacityDecision.Probe(Math.Min(lower.Rate * 2, Settings.MaxRate.Value));
        }
        else if (lower is null)
        {
            var half = Level(upper.Rate / 2);
            next = half < start / LowestFraction || (Closed && half < 1) ? CapacityDecision.Stop("below-start") : CapacityDecision.Probe(half);
        }
        else
        {
            // In flight is a whole number: a closed-loop bisection ends when the two levels are neighbours.
            var middle = Level((lower.Rate + upper.Rate) / 2);
            // At the rates' resolution (0.001 req/s) the middle may be an end already: nothing narrower can be probed.
            next = Width(lower.Rate, upper.Rate) <= Settings.Tolerance!.Value || middle <= lower.Rate || middle >= upper.Rate
                ? CapacityDecision.Stop("converged")
                : CapacityDecision.Probe(middle);
        }

        // A probe that would run past the budget is not started: the service's job is sized for the budget.
        return next.Rate is { } rate && StartedAt is { } started && now - started + TimeSpan.FromSeconds(ProbeSeconds(rate)) > budget
            ? CapacityDecision.Stop("budget")
            : next;
    }

    /// <summary>The search with a new probe at <paramref name="rate"/> running as run <paramref name="benchmarkId"/>.</summary>
    public CapacitySearch Started(double rate, Guid benchmarkId, DateTimeOffset now) =>
        this with { Probes = [.. Probes, new CapacityProbe(Probes.Count + 1, rate, benchmarkId, now)], StartedAt = StartedAt ?? now };

    /// <summary>The search without its running probe (cut short by a host restart: it runs again).</summary>
    public CapacitySearch Dropped() => Running is null ? this : this with { Probes = [.. Probes.Take(Probes.Count - 1)] };

    /// <summary>The running probe's numbers, from its finished run.</summary>
    public CapacitySearch Record(BenchmarkResult run)
    {
        var probe = Running ?? throw new InvalidOperationException("no probe runs");
        var o = run.Overall;
        var measured = o is null ? 0 : o.Completed + o.Failed;
        var met = o?.GoodputFraction is { } share ? (long)Math.Round(share * measured) : 0;
        var done = probe with
        {
            Finished = true,
            Measured = measured,
            Met = met,
            Failed = o?.Failed ?? 0,
            DurationSeconds = o?.DurationSeconds ?? 0,
            AchievedRate = o?.AchievedRate,
            RequestThroughput = o?.RequestThroughput ?? 0,
            OutputTokenThroughput = o?.OutputTokenThroughput ?? 0,
            TtftP90Ms = o?.TtftP90Ms,
            E2eP90Ms = o?.E2eP90Ms,
            Objectives = o?.ObjectiveAttainment,
            StoppedEarly = run.StopReason == "slo-broken",
            ClientLimited = run.ClientLimited,
        };
        return this with { Probes = [.. Probes.Take(Probes.Count - 1), done] };
    }

    /// <summary>The load run of one probe at <paramref name="rate"/>: the experiment's load, held at that rate for the settling period and the
    /// measured requests.</summary>
    public BenchmarkSpec ProbeSpec(BenchmarkSpec load, double rate, int index)
    {
        var settle = Duration.TryParse(Settings.Settle, out var s) ? s : TimeSpan.Zero;
        if (Closed)
        {
            // A closed loop sends as fast as answers come: the settling period's requests are not known before, so the
            // measured ones are counted apart from them (measuredRequests), and the duration is only a bound.
            return load with
            {
                Name = string.Create(CultureInfo.InvariantCulture, $"{load.Name} · probe {index} · {rate:0} in flight"),
                Load = new LoadShape("concurrency", Concurrency: (int)rate),
                Duration = string.Create(CultureInfo.InvariantCulture, $"{(int)Math.Ceiling(WatchSeconds(rate))}s"),
                Warmup = s > TimeSpan.Zero ? Settings.Settle : null,
                MaxRequests = null,
                MeasuredRequests = Settings.MinRequests!.Value,
                Slo = (load.Slo ?? new SloSpec()) with { Target = Target, StopEarly = true },
            };
        }

        var shape = (load.Load ?? new LoadShape("rate")) with { Kind = "rate", Rate = rate };
        return load with
        {
            Name = $"{load.Name} · probe {index} · {rate.ToString("0.###", CultureInfo.InvariantCulture)} req/s",
            Load = shape,
            // A bound only (the request cap ends the probe): SLURM workers need one for their job's time limit.
            Duration = string.Create(CultureInfo.InvariantCulture, $"{(int)Math.Ceiling((2 * ProbeSeconds(rate)) + 30)}s"),
            Warmup = s > TimeSpan.Zero ? Settings.Settle : null,
            // The settling period's requests and then the measured ones; the run stops after the last of them is sent.
            MaxRequests = (int)Math.Ceiling(rate * settle.TotalSeconds) + Settings.MinRequests!.Value,
            Slo = (load.Slo ?? new SloSpec()) with { Target = Target, StopEarly = true },
        };
    }

    /// <summary>
    /// Seconds a probe at <paramref name="rate"/> is expected to send for. In a closed loop: the settling period and
    /// the measured requests at the rate the nearest probe carried (no more when it had fewer in flight, scaled down when
    /// it had more), or, before any probe, at one request per second for each in flight.
    /// </summary>
    public double ProbeSeconds(double rate)
    {
        var settle = Duration.TryParse(Settings.Settle, out var s) ? s.TotalSeconds : 0;
        if (!Closed) return (settle * rate + Settings.MinRequests!.Value) / rate;
        var nearest = Probes.Where(p => p.Finished && p.RequestThroughput > 0).MinBy(p => Math.Abs(p.Rate - rate));
        var carried = nearest is null ? rate : nearest.RequestThroughput * Math.Min(1, rate / nearest.Rate);
        return settle + (Settings.MinRequests!.Value / carried);
    }

    /// <summary>
    /// How long a probe may run before it counts as stuck, beyond its requests' timeout. A closed loop's rate is an
    /// estimate (<see cref="ProbeSeconds"/>): twice it and at least ten minutes.
    /// </summary>
    public double WatchSeconds(double rate) => Closed ? Math.Max(600, (2 * ProbeSeconds(rate)) + 30) : ProbeSeconds(rate);

    /// <summary>What was found so far; <paramref name="ended"/> is the stop reason, or <c>running</c>.</summary>
    public CapacityOutcome Outcome(string ended)
    {
        var finished = Probes.Where(p => p.Finished).ToList();
        var verdicts = Verdicts();
        var (lower, upper) = Bracket(verdicts);
        var limited = finished.FirstOrDefault(p => p.ClientLimited);
        if (limited is not null)
        {
            // Nothing at or above the rate the client could not deliver is the service's: what passed below it stands.
            var below = verdicts.Where(v => v.Passed && v.Rate < limited.Rate).MaxBy(v => v.Rate);
            lower = below;
            upper = null;
        }

        var perRequest = lower is null ? null : TokensPerRequest(lower.Rate);
        // Nothing failed above the highest rate that passed: the service may carry more than was found.
        var atLeast = upper is null && lower is not null;
        double? half = lower is not null && upper is not null ? Math.Round(Width(lower.Rate, upper.Rate) * 100, 2) : null;
        var broke = upper is null ? null : BrokeFirst(upper);
        if (Closed)
        {
            // Requests in flight are whole: the capacity is the most that held, and what it carried was measured.
            var carried = lower is null ? null : Carried(lower.Rate);
            return new CapacityOutcome(lower?.Rate, lower?.Rate, upper?.Rate, half, carried?.Tokens, carried?.Tokens,
                upper is null ? null : Carried(upper.Rate)?.Tokens, atLeast, ended, broke,
                Summarise(ended, lower?.Rate, lower?.Rate, upper?.Rate, half, broke, atLeast, limited, carried?.Requests), Probes)
            {
                Mode = ExperimentCapacity.ConcurrencyMode,
                RequestRate = carried?.Requests,
            };
        }

        double? rate = lower is null ? null : upper is null ? lower.Rate : Round((lower.Rate + upper.Rate) / 2, 4);
        return new CapacityOutcome(rate, lower?.Rate, upper?.Rate, half, Tokens(rate, perRequest), Tokens(lower?.Rate, perRequest),
            Tokens(upper?.Rate, perRequest), atLeast, ended, broke, Summarise(ended, rate, lower?.Rate, upper?.Rate, half, broke, atLeast, limited),
            Probes)
        {
            RequestRate = rate,
        };
    }

    /// <summary>What the probes at one level carried, weighted by their measured time: requests and output tokens per second.</summary>
    private (double Requests, double Tokens)? Carried(double level)
    {
        var probes = Probes.Where(p => p.Finished && p.Rate == level && p.DurationSeconds > 0).ToList();
        var seconds = probes.Sum(p => p.DurationSeconds);
        return seconds <= 0 ? null : (Math.Round(probes.Sum(p => p.RequestThroughput * p.DurationSeconds) / seconds, 3),
            Math.Round(probes.Sum(p => p.OutputTokenThroughput * p.DurationSeconds) / seconds, 2));
    }

    private string Summarise(string ended, double? rate, double? lower, double? upper, double? half, string? broke, bool atLeast,
        CapacityProbe? limited, double? carried = null)
    {
        var I = CultureInfo.InvariantCulture;
        var unit = Closed ? "in flight" : "req/s";
        var probes = Probes.Count(p => p.Finished);
        var text = rate is null
            ? upper is null ? "no probe finished yet"
                : string.Create(I, $"the SLO did not hold even at {upper:0.###} {unit}")
            : atLeast ? string.Create(I, $"at least {rate:0.###} {unit}")
            : string.Create(I, $"{rate:0.###} {unit} ± {half:0.#} % (passed at {lower:0.###}, failed at {upper:0.###})");
        if (carried is not null) text += string.Create(I, $", carrying {carried:0.###} req/s");
        if (broke is not null) text += $"; {broke} broke first";
        if (limited is not null) text += string.Create(I, $"; the client could not deliver {limited.Rate:0.###} {unit}");
        return text + $" ({probes} probe{(probes == 1 ? "" : "s")}, {ended})";
    }

    private double? TokensPerRequest(double rate)
    {
        var passing = Probes.Where(p => p.Finished && p.Rate == rate && p.RequestThroughput > 0).ToList();
        return passing.Count == 0 ? null : passing.Sum(p => p.OutputTokenThroughput) / passing.Sum(p => p.RequestThroughput);
    }

    private static double? Tokens(double? rate, double? perRequest) => rate is { } r && perRequest is { } t ? Math.Round(r * t, 2) : null;

    /// <summary>At the lowest failing rate: errors over the limit, or else the objective the fewest requests met.</summary>
    private string? BrokeFirst(RateVerdict upper)
    {
        if (upper.ErrorRate > MaxErrorRate)
        {
            return "errors";
        }

        var probes = Probes.Where(p => p.Finished && p.Rate == upper.Rate && p.Objectives is not null).ToList();
        return probes.SelectMany(p => p.Objectives!.Select(o => (o.Key, Weighted: o.Value * p.Measured)))
            .GroupBy(o => o.Key)
            .Select(g => (g.Key, Share: g.Sum(x => x.Weighted) / Math.Max(1, probes.Sum(p => p.Measured))))
            .OrderBy(g => g.Share).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Key).FirstOrDefault();
    }

    /// <summary>The lowest failing rate and the highest passing one below it.</summary>
    private static (RateVerdict? Lower, RateVerdict? Upper) Bracket(IReadOnlyList<RateVerdict> verdicts)
    {
        var upper = verdicts.Where(v => !v.Passed).MinBy(v => v.Rate);
        var lower = verdicts.Where(v => v.Passed && (upper is null || v.Rate < upper.Rate)).MaxBy(v => v.Rate);
        return (lower, upper);
    }

    /// <summary>Each rate probed, its finished probes pooled.</summary>
    private List<RateVerdict> Verdicts() =>
    [
        .. Probes.Where(p => p.Finished).GroupBy(p => p.Rate).OrderBy(g => g.Key).Select(g =>
        {
            long measured = g.Sum(p => p.Measured), met = g.Sum(p => p.Met), failed = g.Sum(p => p.Failed);
            var attainment = measured == 0 ? 0 : (double)met / measured;
            var errorRate = measured == 0 ? 1 : (double)failed / measured;
            var passed = measured > 0 && attainment >= Target && errorRate <= MaxErrorRate;
            var (low, high) = Wilson(attainment, measured);
            var conclusive = measured == 0 || g.Any(p => p.StoppedEarly) || errorRate > MaxErrorRate || Target < low || Target > high;
            return new RateVerdict(g.Key, g.Count(), passed, conclusive, errorRate);
        }),
    ];

    /// <summary>The 95 % Wilson score interval of a share seen in <paramref name="n"/> trials.</summary>
    public static (double Low, double High) Wilson(double share, long n)
    {
        if (n == 0)
        {
            return (0, 1);
        }

        var z2 = Z * Z;
        var centre = (share + (z2 / (2 * n))) / (1 + (z2 / n));
        var half = Z * Math.Sqrt((share * (1 - share) / n) + (z2 / (4.0 * n * n))) / (1 + (z2 / n));
        return (centre - half, centre + half);
    }

    private static double Width(double lower, double upper) => (upper - lower) / (upper + lower);

    private static double Round(double rate, int digits = 3) => Math.Round(rate, digits);

    private bool Closed => Settings.Closed;

    /// <summary>A load to probe: a rate at 0.001 req/s, or a whole number of requests in flight.</summary>
    private double Level(double value) => Closed ? Math.Floor(value) : Round(value);

    private sealed record RateVerdict(double Rate, int Probes, bool Passed, bool Conclusive, double ErrorRate);
}
