using System.CommandLine;
using System.Globalization;
using Aibench.Client.LoadGen;
using Aibench.Contracts.Client;
using static Aibench.Client.Cli.LoadgenFlagValues;

namespace Aibench.Client.Cli;

/// <summary>The flags, and their translation into a validated spec.</summary>
internal sealed class LoadgenFlags
{
    private static readonly BenchmarkSpec Defaults = new();

    private readonly Option<string[]> _url = new("--url")
    {
        Description = "Endpoint base URL, e.g. http://127.0.0.1:8000 (a trailing /v1 is fine). Repeat for replicas.",
        HelpName = "url",
        AllowMultipleArgumentsPerToken = false,
    };

    private readonly Option<string> _spread = new("--spread")
    {
        Description = "How requests are spread over several --url: round-robin or least-in-flight.",
        DefaultValueFactory = _ => Defaults.Spread,
    };

    private readonly Option<string?> _model = new("--model") { Description = "Model name to send; asked from /v1/models when not given." };

    private readonly Option<string> _api = new("--api")
    {
        Description = "completions (/v1/completions) or chat (/v1/chat/completions).",
        DefaultValueFactory = _ => Defaults.Api,
    };

    private readonly Option<bool> _noStream = new("--no-stream") { Description = "Wait for whole answers instead of streaming (no TTFT, TPOT or ITL)."
        };

    private readonly Option<string?> _concurrency = new("--concurrency")
        { Description = "Closed loop: keep N requests in flight (the default, with 1).", HelpName = "N" };

    private readonly Option<string?> _rate = new("--rate") { Description = "Open loop: R new requests per second, whatever the server does.",
        HelpName = "R" };

    private readonly Option<string?> _arrival = new("--arrival") { Description = "Open-loop arrivals: constant, poisson (default) or gamma." };

    private readonly Option<string?> _burstiness = new("--burstiness")
        { Description = "Gamma shape: below 1 burstier than Poisson, above 1 more regular. Default 1.", HelpName = "F" };

    private readonly Option<string?> _ramp = new("--ramp") { Description = "Open loop, rate rising linearly from A to B req/s over --duration.",
        HelpName = "A:B" };

    private readonly Option<string?> _sweepRates = new("--sweep-rates") { Description = "One step per rate, each held for --duration, e.g. 10,20,40.",
        HelpName = "R,R,..." };

    private readonly Option<string?> _sweepConcurrency = new("--sweep-concurrency")
        { Description = "One closed-loop step per level, each held for --duration, e.g. 1,2,4.", HelpName = "N,N,..." };

    private readonly Option<string?> _maxInFlight = new("--max-in-flight")
        { Description = "Cap on requests in flight for open-loop shapes; waiting for it counts as latency.", HelpName = "N" };

    private readonly Option<string?> _duration = new("--duration") { Description = "How long to send requests (per step of a sweep), e.g. 2m.",
        HelpName = "time" };

    private readonly Option<string?> _maxRequests = new("--max-requests")
        { Description = "Stop after sending N requests. Give this, --duration or both.", HelpName = "N" };

    private readonly Option<string?> _warmup = new("--warmup")
        { Description = "Requests scheduled in this first part of each step are sent but not counted, e.g. 10s.", HelpName = "time" };

    private readonly Option<string> _dataset = new("--dataset")
    {
        Description = "Prompts: random:input=512,output=128, sharegpt:PATH or jsonl:PATH.",
        HelpName = "spec",
        DefaultValueFactory = _ => Defaults.Dataset,
    };

    private readonly Option<string?> _tokenizer = new("--tokenizer")
    {
        Description = "The served model's tokenizer.json (or its folder), to count prompt tokens when the server has no /tokenize.",
        HelpName = "path",
    };

    private readonly Option<string?> _seed = new("--seed")
        { Description = $"Seed of the dataset and arrivals, to repeat a run exactly. Default {Defaults.Seed}.", HelpName = "N" };

    private readonly Option<string> _timeout = new("--timeout")
    {
        Description = "A request not finished after this long is a timeout error.",
        HelpName = "time",
        DefaultValueFactory = _ => Defaults.Timeout,
    };

    private readonly Option<bool> _noIgnoreEos = new("--no-ignore-eos")
        { Description = "Let the model stop early instead of generating exactly the dataset's output length." };

    private readonly Option<string[]> _slo = new("--slo")
    {
        Description = "Service-level objective for goodput: ttft=500ms, tpot=50ms, itl=40ms, e2e=10s (repeatable or comma-separated).",
        HelpName = "key=time",
        AllowMultipleArgumentsPerToken = false,
    };

    private readonly Option<string[]> _reference = new("--reference")
    {
        Description = "Check a figure against a reference when the run ends; exit code 5 when it is out of bounds (repeatable): "
            + "throughput=1200,-5% or ttft_p99=300ms,+10% (docs/metrics.md, References).",
        HelpName = "figure=value,±dev",
        AllowMultipleArgumentsPerToken = false,
    };

    private readonly Option<string?> _name = new("--name") { Description = "Label of the run in the result file." };

    private readonly Option<string?> _output = new("--output", "-o")
        { Description = "Write the result document (JSON, as the REST export gives it) to this file.", HelpName = "file" };

    private readonly Option<string?> _requests = new("--requests") { Description = "Write one record per request to this file: .csv or .jsonl.",
        HelpName = "file" };

    private readonly Option<string?> _report = new("--report")
        { Description = "Write the run's report to this file: .html (one self-contained page with its charts) or .md (the summary).",
            HelpName = "file" };

    private readonly Option<bool> _keepTexts = new("--keep-texts")
    {
        Description = "Keep each request's generated text and write it in the --output file as vLLM's generated_texts (needs --max-requests).",
    };

    private readonly Option<bool> _quiet = new("--quiet", "-q") { Description = "No progress while running; only the final tables." };

    private readonly Option<string?> _calibrate = new("--calibrate")
    {
        Description = "Measure the client envelope for this long first (the same load against a zero-latency endpoint on this machine). Default 3s.",
        HelpName = "time",
    };

    private readonly Option<bool> _noCalibrate = new("--no-calibrate")
        { Description = "Skip the client calibration: the result then has no envelope and no client-limited rate or lag check." };

    private readonly Option<bool> _calibrateOnly = new("--calibrate-only")
        { Description = "Only measure and print the client envelope of this machine for the load shape, then exit (--url not needed)." };

    private readonly Option<bool> _noClientWarmup = new("--no-client-warmup")
        { Description = "Do not warm the client (connections, compiled code) with uncounted short requests before the clock starts." };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[]
                 {
                     _url, _spread, _model, _api, _noStream, _concurrency, _rate, _arrival, _burstiness, _ramp, _sweepRates,
                     _sweepConcurrency, _maxInFlight, _duration, _maxRequests, _warmup, _dataset, _tokenizer, _seed, _timeout, _noIgnoreEos,
                     _slo, _reference, _name, _output, _requests, _report, _keepTexts, _quiet, _calibrate, _noCalibrate, _calibrateOnly,
                         _noClientWarmup,
                 })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The run the flags ask for, or null with one error per offending flag.</summary>
    public LoadgenRequest? Read(ParseResult parse, out List<(string Flag, string Message)> errors)
    {
        var problems = new List<(string Flag, string Message)>();
        errors = problems;

        int? Int(Option<string?> option)
        {
            var text = parse.GetValue(option);
            if (text is null) return null;
            if (int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)) return value;
            problems.Add((option.Name, $"'{text}' is not a whole number."));
            return null;
        }

        double? Number(Option<string?> option)
        {
            var text = parse.GetValue(option);
            if (text is null) return null;
            if (TryNumber(text, out var value)) return value;
            problems.Add((option.Name, $"'{text}' is not a number."));
            return null;
        }

        // Which shape: exactly one of the shape flags, or none for the default closed loop of 1.
        var shapeFlags = new[] { _concurrency, _rate, _ramp, _sweepRates, _sweepConcurrency }
            .Where(o => parse.GetValue(o) is not null).Select(o => o.Name).ToList();
        if (shapeFlags.Count > 1)
        {
            problems.Add((shapeFlags[1], $"give one load shape only, not {string.Join(" and ", shapeFlags)}."));
        }

        var shape = shapeFlags.FirstOrDefault() ?? _concurrency.Name;
        var openLoop = shape is "--rate" or "--ramp" or "--sweep-rates";
        var arrival = parse.GetValue(_arrival);
        var burstiness = Number(_burstiness);
        if (!openLoop && (arrival is not null || burstiness is not null))
        {
            var flag = arrival is not null ? _arrival.Name : _burstiness.Name;
            problems.Add((flag, $"applies to open-loop shapes (--rate, --ramp, --sweep-rates), not {shape}."));
        }

        var maxInFlight = Int(_maxInFlight);
        var load = shape switch
        {
            "--rate" => new LoadShape("rate", Rate: Number(_rate)),
            "--ramp" => Ramp(parse.GetValue(_ramp)!, problems),
            "--sweep-rates" => new LoadShape("sweep", Rates: ParseList<double>(_sweepRates, parse, problems, TryNumber)),
            "--sweep-concurrency" => new LoadShape("sweep", Concurrencies: ParseList<int>(_sweepConcurrency, parse, problems, TryInt)),
            _ => new LoadShape("concurrency", Concurrency: parse.GetValue(_concurrency) is null ? 1 : Int(_concurrency)),
        };
        load = load with
        {
            Arrival = arrival ?? load.Arrival,
            Burstiness = burstiness ?? load.Burstiness,
            MaxInFlight = maxInFlight,
        };

        var duration = parse.GetValue(_duration);
        var maxRequests = Int(_maxRequests);
        var calibrateOnly = parse.GetValue(_calibrateOnly);
        if (duration is null && maxRequests is null && parse.GetValue(_maxRequests) is null && !calibrateOnly)
        {
            problems.Add((_duration.Name, "give --duration, --max-requests or both: the run must know when to stop."));
        }

        var urls = parse.GetValue(_url) is { Length: > 0 } given ? given : null;
        if (urls is null && !calibrateOnly)
        {
            problems.Add((_url.Name, "give the endpoint to load, e.g. --url http://127.0.0.1:8000 (repeat it for replicas)."));
        }

        var calibration = parse.GetValue(_calibrate);
        if (parse.GetValue(_noCalibrate))
        {
            if (calibration is not null || calibrateOnly)
            {
                problems.Add((_noCalibrate.Name, $"cannot go with {(calibrateOnly ? _calibrateOnly.Name : _calibrate.Name)}."));
            }

            calibration = "off";
        }
        else if (calibration is not null && calibration.Trim().Equals("off", StringComparison.OrdinalIgnoreCase) && calibrateOnly)
        {
            problems.Add((_calibrate.Name, $"cannot be off with {_calibrateOnly.Name}."));
        }

        var spec = new BenchmarkSpec(
            Name: parse.GetValue(_name),
            // --calibrate-only loads nothing but the local zero-latency endpoint: a placeholder passes the URL rules.
            Urls: urls ?? (calibrateOnly ? ["http://127.0.0.1/"] : null),
            Spread: parse.GetValue(_spread)!,
            Model: parse.GetValue(_model),
            Api: parse.GetValue(_api)!,
            Stream: !parse.GetValue(_noStream),
            Load: load,
            Duration: duration ?? (calibrateOnly && maxRequests is null ? "1s" : null),
            MaxRequests: maxRequests,
            Warmup: parse.GetValue(_warmup),
            Dataset: parse.GetValue(_dataset)!,
            Slo: Slo(parse.GetValue(_slo) ?? [], problems),
            Seed: Int(_seed) ?? Defaults.Seed,
            Timeout: parse.GetValue(_timeout)!,
            IgnoreEos: !parse.GetValue(_noIgnoreEos),
            Calibration: calibration,
            ClientWarmup: !parse.GetValue(_noClientWarmup),
            Tokenizer: parse.GetValue(_tokenizer),
            References: References(parse.GetValue(_reference) ?? [], problems),
            KeepTexts: parse.GetValue(_keepTexts));

        // The validator has the final word on values; a flag that already failed to parse is reported once.
        var reported = problems.Select(p => p.Flag).ToHashSet(StringComparer.Ordinal);
        foreach (var failure in new BenchmarkSpecValidator().Validate(spec).Errors)
        {
            var (flag, field) = FlagOf(failure.PropertyName);
            if (reported.Contains(flag))
            {
                continue;
            }

            problems.Add((flag, Message(failure.ErrorMessage, field)));
        }

        var output = OutputFile(parse.GetValue(_output), _output.Name, problems);
        var requests = OutputFile(parse.GetValue(_requests), _requests.Name, problems);
        if (requests is not null && Path.GetExtension(requests).ToLowerInvariant() is not (".csv" or ".jsonl"))
        {
            problems.Add((_requests.Name, $"'{parse.GetValue(_requests)}' must end in .csv or .jsonl (the format is taken from it)."));
        }

        if (spec.KeepTexts && parse.GetValue(_output) is null && !problems.Any(p => p.Flag == _keepTexts.Name))
        {
            problems.Add((_keepTexts.Name, "the texts are written only in the result document: give --output too."));
        }

        if (output is not null && requests is not null && string.Equals(output, requests, StringComparison.Ordinal))
        {
            problems.Add((_requests.Name, "must be another file than --output."));
        }

        var report = OutputFile(parse.GetValue(_report), _report.Name, problems);
        if (report is not null && Path.GetExtension(report).ToLowerInvariant() is not (".html" or ".md"))
        {
            problems.Add((_report.Name, $"'{parse.GetValue(_report)}' must end in .html or .md (the format is taken from it)."));
        }

        if (report is not null && (string.Equals(report, output, StringComparison.Ordinal)
            || string.Equals(report, requests, StringComparison.Ordinal)))
        {
            problems.Add((_report.Name, "must be another file than --output and --requests."));
        }

        return problems.Count > 0 ? null : new LoadgenRequest(spec, output, requests, parse.GetValue(_quiet), calibrateOnly, report);
    }
}
