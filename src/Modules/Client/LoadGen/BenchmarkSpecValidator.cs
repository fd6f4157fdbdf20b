using Aibench.Client.LoadGen.Datasets;
using Aibench.Contracts.Client;
using Aibench.Shared.References;
using Aibench.Shared.Text;
using FluentValidation;

namespace Aibench.Client.LoadGen;

/// <summary>
/// Every rule a run spec must pass before anything is stored or sent. Property names are the JSON field paths
/// (<c>load.rate</c>); the CLI maps them to its flags.
/// </summary>
internal sealed class BenchmarkSpecValidator : AbstractValidator<BenchmarkSpec>
{
    public const int MaxEndpoints = 256;
    public const int MaxConcurrency = 100_000;
    public const double MaxRate = 1_000_000;

    private static readonly string[] Kinds = ["concurrency", "rate", "ramp", "sweep"];
    private static readonly string[] Arrivals = ["constant", "poisson", "gamma"];

    public BenchmarkSpecValidator()
    {
        RuleFor(s => s.Name).MaximumLength(256).Must(n => n is null || !n.Any(char.IsControl))
            .WithMessage("name must not contain control characters.").OverridePropertyName("name");

        RuleFor(s => s).Must(s => s.Service is not null ^ s.Urls is { Count: > 0 })
            .WithMessage("Give either service (a service id) or urls (endpoint base URLs), not both and not neither.")
            .OverridePropertyName("urls");
        RuleFor(s => s.Urls).Must(u => u is null || u.Count <= MaxEndpoints)
            .WithMessage($"urls: at most {MaxEndpoints} endpoints.").OverridePropertyName("urls");
        RuleForEach(s => s.Urls).Must(u => TryEndpoint(u, out _))
            .WithMessage((_, u) => $"urls: '{u}' is not an http:// or https:// base URL such as http://node1:8000.")
            .OverridePropertyName("urls");

        RuleFor(s => s.Spread).Must(s => s is "round-robin" or "least-in-flight")
            .WithMessage("spread must be round-robin or least-in-flight.").OverridePropertyName("spread");
        RuleFor(s => s.Model).MaximumLength(256).Must(m => m is null || (m.Length > 0 && !m.Any(char.IsControl)))
            .WithMessage("model must be a non-empty name without control characters.").OverridePropertyName("model");
        RuleFor(s => s.Api).Must(a => a is "completions" or "chat")
            .WithMessage("api must be completions or chat.").OverridePropertyName("api");

        RuleFor(s => s.Duration).Must(BePositiveDuration!).When(s => s.Duration is not null)
            .WithMessage(s => $"duration: '{s.Duration}' is not a positive duration like 30s or 2m.").OverridePropertyName("duration");
        RuleFor(s => s.MaxRequests).GreaterThan(0).OverridePropertyName("maxRequests");
        RuleFor(s => s.MeasuredRequests).GreaterThan(0).OverridePropertyName("measuredRequests");
        RuleFor(s => s).Must(s => s.MaxRequests is null || s.MeasuredRequests is null)
            .WithMessage("Give maxRequests (every request sent) or measuredRequests (the warm-up's not counted), not both.")
            .OverridePropertyName("measuredRequests");
        RuleFor(s => s).Must(s => s.Duration is not null || s.MaxRequests is not null || s.MeasuredRequests is not null)
            .WithMessage("Give duration, maxRequests (or measuredRequests) or both: the run must know when to stop.")
                .OverridePropertyName("duration");
        RuleFor(s => s).Must(s => !s.KeepTexts || s.MaxRequests is not null || s.MeasuredRequests is not null)
            .WithMessage("keepTexts: needs a bound on the number of requests, maxRequests or measuredRequests (--max-requests in aibench "
                + "loadgen): every text is held in memory until the run ends.")
            .OverridePropertyName("keepTexts");
        RuleFor(s => s.Warmup).Must(w => Duration.TryParse(w, out _)).When(s => s.Warmup is not null)
            .WithMessage(s => $"warmup: '{s.Warmup}' is not a duration like 10s.").OverridePropertyName("warmup");
        RuleFor(s => s).Must(s => !(Duration.TryParse(s.Warmup, out var w) && Duration.TryParse(s.Duration, out var d) && w >= d))
            .WithMessage("warmup must be shorter than duration, or nothing would be measured.").OverridePropertyName("warmup");
        RuleFor(s => s.Calibration).Must(c => ClientCalibration.TryParse(c, out _))
            .WithMessage(s => $"calibration: must be off or a duration between {ClientCalibration.Shortest.TotalSeconds:0}s and "
                + $"{ClientCalibration.Longest.TotalSeconds:0}s such as 3s, not '{s.Calibration}'.")
            .OverridePropertyName("calibration");
        RuleFor(s => s.Timeout).Must(t => Duration.TryParse(t, out var v) && v > TimeSpan.Zero && v <= TimeSpan.FromDays(1))
            .WithMessage(s => $"timeout: '{s.Timeout}' is not a duration between 1ms and 1d.").OverridePropertyName("timeout");
        RuleFor(s => s.Tokenizer).Must(t => t is null || TokenizerError(t) is null)
            .WithMessage(s => TokenizerError(s.Tokenizer!)!).OverridePropertyName("tokenizer");
        RuleFor(s => s.Dataset).Must(d => d is not null && DatasetLoader.CheckSyntax(d) is null)
            .WithMessage(s => s.Dataset is null ? "dataset is required." : DatasetLoader.CheckSyntax(s.Dataset)!)
            .OverridePropertyName("dataset");

        RuleFor(s => s.Slo!.Ttft).Must(BePositiveDuration!).When(s => s.Slo?.Ttft is not null)
            .WithMessage(s => $"slo.ttft: '{s.Slo!.Ttft}' is not a positive duration like 500ms.").OverridePropertyName("slo.ttft");
        RuleFor(s => s.Slo!.Tpot).Must(BePositiveDuration!).When(s => s.Slo?.Tpot is not null)
            .WithMessage(s => $"slo.tpot: '{s.Slo!.Tpot}' is not a positive duration like 50ms.").OverridePropertyName("slo.tpot");
        RuleFor(s => s.Slo!.E2e).Must(BePositiveDuration!).When(s => s.Slo?.E2e is not null)
            .WithMessage(s => $"slo.e2e: '{s.Slo!.E2e}' is not a positive duration like 10s.").OverridePropertyName("slo.e2e");
        RuleFor(s => s.Slo!.Itl).Must(BePositiveDuration!).When(s => s.Slo?.Itl is not null)
            .WithMessage(s => $"slo.itl: '{s.Slo!.Itl}' is not a positive duration like 40ms.").OverridePropertyName("slo.itl");

        RuleFor(s => s.References).Custom((references, context) =>
        {
            foreach (var (field, message) in ReferenceJudge.Validate(references, "references", baselineAllowed: false))
            {
                context.AddFailure(field, message);
            }

            if (references?.ContainsKey("capacity") == true)
            {
                context.AddFailure("references.capacity", "references.capacity: only a capacity experiment measures a capacity.");
            }
        });
        RuleFor(s => s.Slo!.Target).InclusiveBetween(0.01, 1.0).When(s => s.Slo?.Target is not null)
            .WithMessage(s => $"slo.target: {s.Slo!.Target} is not a share between 0.01 and 1.").OverridePropertyName("slo.target");
        RuleFor(s => s).Must(s => s.Slo is not { StopEarly: true } slo
                || (slo.Target is not null && (s.MaxRequests ?? s.MeasuredRequests) is not null && slo.HasObjectives))
            .WithMessage("slo.stopEarly needs slo.target, maxRequests (or measuredRequests) and at least one objective: without them no run can be "
                + "known to have missed.")
            .OverridePropertyName("slo.stopEarly");
        RuleFor(s => s).Must(s => s.Stream || (s.Slo?.Ttft is null && s.Slo?.Tpot is null && s.Slo?.Itl is null))
            .WithMessage("slo.ttft, slo.tpot and slo.itl need stream: true; without streaming there is no first token to time.")
            .OverridePropertyName("slo");

        When(s => s.Load is not null, () =>
        {
            RuleFor(s => s.Load!.Kind).Must(k => Kinds.Contains(k))
                .WithMessage(s => $"load.kind: '{s.Load!.Kind}' is not one of {string.Join(", ", Kinds)}.").OverridePropertyName("load.kind");
            RuleFor(s => s.Load!.Arrival).Must(a => Arrivals.Contains(a))
                .WithMessage(s => $"load.arrival: '{s.Load!.Arrival}' is not one of {string.Join(", ", Arrivals)}.")
                    .OverridePropertyName("load.arrival");
            RuleFor(s => s.Load!.Burstiness).Must(b => b > 0 && b <= 1000 && double.IsFinite(b))
                .WithMessage("load.burstiness must be above 0 (1 is Poisson) and at most 1000.").OverridePropertyName("load.burstiness");
            RuleFor(s => s.Load!.MaxInFlight).InclusiveBetween(1, MaxConcurrency).OverridePropertyName("load.maxInFlight");
            RuleFor(s => s.Load!.Concurrency).InclusiveBetween(1, MaxConcurrency).OverridePropertyName("load.concurrency");
            RuleFor(s => s.Load!.Rate).Must(BeRate).OverridePropertyName("load.rate")
                .WithMessage($"load.rate must be above 0 and at most {MaxRate:0} requests per second.");
            RuleFor(s => s.Load!.From).Must(r => r is null || (r >= 0 && r <= MaxRate)).OverridePropertyName("load.from")
                .WithMessage($"load.from must be between 0 and {MaxRate:0} requests per second.");
            RuleFor(s => s.Load!.To).Must(BeRate).OverridePropertyName("load.to")
                .WithMessage($"load.to must be above 0 and at most {MaxRate:0} requests per second.");
            RuleForEach(s => s.Load!.Rates).Must(r => BeRate(r)).OverridePropertyName("load.rates")
                .WithMessage($"load.rates: every rate must be above 0 and at most {MaxRate:0} requests per second.");
            RuleForEach(s => s.Load!.Concurrencies).InclusiveBetween(1, MaxConcurrency).OverridePropertyName("load.concurrencies");
            RuleFor(s => s.Load!.Rates).Must(r => r is null || r.Count <= 100).OverridePropertyName("load.rates")
                .WithMessage("load.rates: at most 100 steps.");
            RuleFor(s => s.Load!.Concurrencies).Must(c => c is null || c.Count <= 100).OverridePropertyName("load.concurrencies")
                .WithMessage("load.concurrencies: at most 100 steps.");
            RuleFor(s => s).Custom((s, context) =>
            {
                foreach (var (field, message) in ShapeProblems(s))
                {
                    context.AddFailure(field, message);
                }
            });
        });

        PlacementRules();
    }

    public const int MaxWorkers = 1024;

    private void PlacementRules()
    {
        When(s => s.Placement is not null, () =>
        {
            RuleFor(s => s.Placement!.Kind).Must(k => k is "in-process" or "slurm")
                .WithMessage(s => $"placement.kind: '{s.Placement!.Kind}' is not one of in-process, slurm.").OverridePropertyName("placement.kind");
            RuleFor(s => s.Placement!.Reporting).Must(r => r is "http" or "files")
                .WithMessage(s => $"placement.reporting: '{s.Placement!.Reporting}' is not one of http, files.")
                    .OverridePropertyName("placement.reporting");
            RuleFor(s => s.Placement!.Nodes).InclusiveBetween(1, MaxWorkers).OverridePropertyName("placement.nodes")
                .WithMessage($"placement.nodes must be between 1 and {MaxWorkers}.");
            RuleFor(s => s.Placement!.TasksPerNode).InclusiveBetween(1, 256).OverridePropertyName("placement.tasksPerNode")
                .WithMessage("placement.tasksPerNode must be between 1 and 256.");
            RuleFor(s => s.Placement!.Partition).Must(BeSlurmName).OverridePropertyName("placement.partition")
                .WithMessage("placement.partition must be a SLURM name: letters, digits, '_', '.', '-' (at most 64).");
            RuleFor(s => s.Placement!.Account).Must(BeSlurmName).OverridePropertyName("placement.account")
                .WithMessage("placement.account must be a SLURM name: letters, digits, '_', '.', '-' (at most 64).");
            RuleFor(s => s).Custom((s, context) =>
            {
                var p = s.Placement!;
                if (p.Kind != "slurm" || p.Nodes < 1 || p.TasksPerNode < 1)
                {
                    return;
                }

                var workers = (long)p.Nodes * p.TasksPerNode;
                if (workers > MaxWorkers)
                {
                    context.AddFailure("placement.workers", $"placement.workers: nodes × tasksPerNode is {workers}; at most {MaxWorkers}.");
                }

                if (s.Duration is null)
                {
                    context.AddFailure("duration",
                        "duration is required with placement.kind 'slurm': the worker job's time limit is derived from it.");
                }

                var smallest = s.Load?.Kind switch
                {
                    "concurrency" or null => s.Load?.Concurrency ?? 1,
                    "sweep" when s.Load.Concurrencies is { Count: > 0 } c => c.Min(),
                    _ => int.MaxValue,
                };
                if (smallest < workers)
                {
                    context.AddFailure("placement.workers",
                        $"placement.workers: {workers} workers (nodes × tasksPerNode) but a concurrency of {smallest}: every worker needs at least "
                            + $"one request in flight.");
                }
            });
        });
    }

    private static bool BeSlurmName(string? name) =>
        name is null || (name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'));

    /// <summary>An endpoint base URL as the runner uses it: no trailing <c>/v1</c>, no trailing slash.</summary>
    /// <summary>Null when the tokenizer file loads (it is cached for the run), else why not, naming the file.</summary>
    private static string? TokenizerError(string path)
    {
        if (path.Length == 0 || path.Any(char.IsControl))
        {
            return "tokenizer must be a path without control characters.";
        }

        try
        {
            Tokenizers.PromptTokenizers.LoadFile(path);
            return null;
        }
        catch (Tokenizers.TokenizerException e)
        {
            return e.Message;
        }
    }

    public static bool TryEndpoint(string? text, out Uri endpoint)
    {
        endpoint = null!;
        if (string.IsNullOrWhiteSpace(text) || !Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri)
            || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host) || uri.Query.Length > 0 || uri.Fragment.Length > 0
            || uri.UserInfo.Length > 0)
        {
            return false;
        }

        var path = uri.AbsolutePath.TrimEnd('/');
        if (path.EndsWith("/v1", StringComparison.Ordinal))
        {
            path = path[..^3];
        }

        endpoint = new UriBuilder(uri) { Path = path + "/" }.Uri;
        return true;
    }

    private static bool BePositiveDuration(string text) => Duration.TryParse(text, out var value) && value > TimeSpan.Zero;

    private static bool BeRate(double? rate) => rate is null || (rate > 0 && rate <= MaxRate && double.IsFinite(rate.Value));

    private static IEnumerable<(string Field, string Message)> ShapeProblems(BenchmarkSpec spec)
    {
        var load = spec.Load!;
        var given = new (string Field, bool Set)[]
        {
            ("load.concurrency", load.Concurrency is not null),
            ("load.rate", load.Rate is not null),
            ("load.from", load.From is not null),
            ("load.to", load.To is not null),
            ("load.rates", load.Rates is not null),
            ("load.concurrencies", load.Concurrencies is not null),
        };
        string[] allowed = load.Kind switch
        {
            "concurrency" => ["load.concurrency"],
            "rate" => ["load.rate"],
            "ramp" => ["load.from", "load.to"],
            "sweep" => ["load.rates", "load.concurrencies"],
            _ => [],
        };
        if (allowed.Length == 0)
        {
            yield break;
        }

        foreach (var (field, set) in given)
        {
            if (set && !allowed.Contains(field))
            {
                yield return (field, $"{field} does not apply to load.kind '{load.Kind}' (it takes {string.Join(" and ", allowed)}).");
            }
        }

        switch (load.Kind)
        {
            case "rate" when load.Rate is null:
                yield return ("load.rate", "load.rate is required for load.kind 'rate'.");
                break;
            case "ramp" when load.From is null || load.To is null:
                yield return ("load.from", "load.from and load.to are required for load.kind 'ramp'.");
                break;
            case "ramp" when spec.Duration is null:
                yield return ("duration", "duration is required for a ramp: it is the time the rate takes to go from load.from to load.to.");
                break;
            case "sweep" when (load.Rates is { Count: > 0 }) == (load.Concurrencies is { Count: > 0 }):
                yield return ("load.rates", "A sweep takes a non-empty list in exactly one of load.rates and load.concurrencies.");
                break;
            case "sweep" when spec.Duration is null:
                yield return ("duration", "duration is required for a sweep: every step is held that long.");
                break;
        }

        var closed = load.Kind == "concurrency" || (load.Kind == "sweep" && load.Concurrencies is { Count: > 0 });
        if (closed && load.MaxInFlight is not null)
        {
            yield return ("load.maxInFlight", "load.maxInFlight applies to open-loop shapes; a closed loop never exceeds its concurrency.");
        }
    }
}
