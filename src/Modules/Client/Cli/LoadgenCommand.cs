using System.CommandLine;
using System.Globalization;
using System.Text;
using Aibench.Client.LoadGen;
using Aibench.Client.LoadGen.Datasets;
using Aibench.Client.LoadGen.Tokenizers;
using Aibench.Contracts.Client;
using Aibench.Shared.Cli;

namespace Aibench.Client.Cli;

/// <summary>
/// <c>aibench loadgen</c>: the load generator on its own, against any OpenAI-compatible endpoint, without the web
/// host or a database. The flags build the same <see cref="BenchmarkSpec"/> the REST API takes, so both accept and
/// reject exactly the same runs.
/// </summary>
internal static class LoadgenCommand
{
    public const string Name = "loadgen";

    private const string Prefix = "aibench loadgen: ";

    public static Command Create(TimeProvider? time = null)
    {
        var flags = new LoadgenFlags();
        var command = new Command(Name,
            """
            Put load on an OpenAI-compatible endpoint (vLLM, SGLang, aibench sim, ...) and print throughput and latency.
            Exit codes: 0 the run finished (request errors are reported, not fatal), 1 every request failed or the target
            could not be used, 2 bad flags or dataset. Ctrl+C stops the run; what was measured is still reported and written.
            """);
        flags.AddTo(command);
        var worker = new WorkerFlags();
        worker.AddTo(command);
        command.SetAction((parse, ct) => parse.GetValue(worker.Config) is { } config
            ? worker.RunAsync(parse, config, time ?? TimeProvider.System, ct)
            : RunAsync(parse, flags, time ?? TimeProvider.System, ct));
        return command;
    }

    /// <summary>
    /// The flags of a distributed run's worker, given by the job script the Server module renders; not for people.
    /// Everything about the load is in the configuration file, so nothing the user typed passes through the shell.
    /// </summary>
    private sealed class WorkerFlags
    {
        public Option<string?> Config { get; } = new("--worker") { Description = "Run as a worker of a distributed benchmark, with this worker.json (set by the job script).", HelpName = "file", Hidden = true };

        private readonly Option<int> _index = new("--worker-index") { Description = "This worker's index (SLURM_PROCID).", Hidden = true };

        private readonly Option<string?> _node = new("--worker-node") { Description = "The node this worker runs on.", Hidden = true };

        public void AddTo(Command command)
        {
            command.Options.Add(Config);
            command.Options.Add(_index);
            command.Options.Add(_node);
        }

        public async Task<int> RunAsync(ParseResult parse, string config, TimeProvider time, CancellationToken ct)
        {
            try
            {
                return await new Aibench.Client.LoadGen.Distributed.LoadWorker(config, parse.GetValue(_index), parse.GetValue(_node), time, Console.Error).RunAsync(ct);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or InvalidDataException or DatasetException)
            {
                await Console.Error.WriteLineAsync($"{Prefix}worker: {e.Message}");
                return ExitCodes.Usage;
            }
        }
    }

    private static async Task<int> RunAsync(ParseResult parse, LoadgenFlags flags, TimeProvider time, CancellationToken ct)
    {
        var request = flags.Read(parse, out var errors);
        if (request is null)
        {
            foreach (var (flag, message) in errors)
            {
                await Console.Error.WriteLineAsync($"{Prefix}{flag}: {message}");
            }

            return ExitCodes.Usage;
        }

        return await new LoadgenSession(request, time).RunAsync(ct);
    }

    /// <summary>The flags, and their translation into a validated spec.</summary>
    private sealed class LoadgenFlags
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

        private readonly Option<bool> _noStream = new("--no-stream") { Description = "Wait for whole answers instead of streaming (no TTFT, TPOT or ITL)." };

        private readonly Option<string?> _concurrency = new("--concurrency") { Description = "Closed loop: keep N requests in flight (the default, with 1).", HelpName = "N" };

        private readonly Option<string?> _rate = new("--rate") { Description = "Open loop: R new requests per second, whatever the server does.", HelpName = "R" };

        private readonly Option<string?> _arrival = new("--arrival") { Description = "Open-loop arrivals: constant, poisson (default) or gamma." };

        private readonly Option<string?> _burstiness = new("--burstiness") { Description = "Gamma shape: below 1 burstier than Poisson, above 1 more regular. Default 1.", HelpName = "F" };

        private readonly Option<string?> _ramp = new("--ramp") { Description = "Open loop, rate rising linearly from A to B req/s over --duration.", HelpName = "A:B" };

        private readonly Option<string?> _sweepRates = new("--sweep-rates") { Description = "One step per rate, each held for --duration, e.g. 10,20,40.", HelpName = "R,R,..." };

        private readonly Option<string?> _sweepConcurrency = new("--sweep-concurrency") { Description = "One closed-loop step per level, each held for --duration, e.g. 1,2,4.", HelpName = "N,N,..." };

        private readonly Option<string?> _maxInFlight = new("--max-in-flight") { Description = "Cap on requests in flight for open-loop shapes; waiting for it counts as latency.", HelpName = "N" };

        private readonly Option<string?> _duration = new("--duration") { Description = "How long to send requests (per step of a sweep), e.g. 2m.", HelpName = "time" };

        private readonly Option<string?> _maxRequests = new("--max-requests") { Description = "Stop after sending N requests. Give this, --duration or both.", HelpName = "N" };

        private readonly Option<string?> _warmup = new("--warmup") { Description = "Requests scheduled in this first part of each step are sent but not counted, e.g. 10s.", HelpName = "time" };

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

        private readonly Option<string?> _seed = new("--seed") { Description = $"Seed of the dataset and arrivals, to repeat a run exactly. Default {Defaults.Seed}.", HelpName = "N" };

        private readonly Option<string> _timeout = new("--timeout")
        {
            Description = "A request not finished after this long is a timeout error.",
            HelpName = "time",
            DefaultValueFactory = _ => Defaults.Timeout,
        };

        private readonly Option<bool> _noIgnoreEos = new("--no-ignore-eos") { Description = "Let the model stop early instead of generating exactly the dataset's output length." };

        private readonly Option<string[]> _slo = new("--slo")
        {
            Description = "Service-level objective for goodput: ttft=500ms, tpot=50ms, e2e=10s (repeatable or comma-separated).",
            HelpName = "key=time",
            AllowMultipleArgumentsPerToken = false,
        };

        private readonly Option<string?> _name = new("--name") { Description = "Label of the run in the result file." };

        private readonly Option<string?> _output = new("--output", "-o") { Description = "Write the result document (JSON, as the REST export gives it) to this file.", HelpName = "file" };

        private readonly Option<string?> _requests = new("--requests") { Description = "Write one record per request to this file: .csv or .jsonl.", HelpName = "file" };

        private readonly Option<bool> _quiet = new("--quiet", "-q") { Description = "No progress while running; only the final tables." };

        private readonly Option<string?> _calibrate = new("--calibrate")
        {
            Description = "Measure the client envelope for this long first (the same load against a zero-latency endpoint on this machine). Default 3s.",
            HelpName = "time",
        };

        private readonly Option<bool> _noCalibrate = new("--no-calibrate") { Description = "Skip the client calibration: the result then has no envelope and no client-limited rate or lag check." };

        private readonly Option<bool> _calibrateOnly = new("--calibrate-only") { Description = "Only measure and print the client envelope of this machine for the load shape, then exit (--url not needed)." };

        private readonly Option<bool> _noClientWarmup = new("--no-client-warmup") { Description = "Do not warm the client (connections, compiled code) with uncounted short requests before the clock starts." };

        public void AddTo(Command command)
        {
            foreach (var option in new Option[]
                     {
                         _url, _spread, _model, _api, _noStream, _concurrency, _rate, _arrival, _burstiness, _ramp, _sweepRates,
                         _sweepConcurrency, _maxInFlight, _duration, _maxRequests, _warmup, _dataset, _tokenizer, _seed, _timeout, _noIgnoreEos,
                         _slo, _name, _output, _requests, _quiet, _calibrate, _noCalibrate, _calibrateOnly, _noClientWarmup,
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
                Tokenizer: parse.GetValue(_tokenizer));

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

            if (output is not null && requests is not null && string.Equals(output, requests, StringComparison.Ordinal))
            {
                problems.Add((_requests.Name, "must be another file than --output."));
            }

            return problems.Count > 0 ? null : new LoadgenRequest(spec, output, requests, parse.GetValue(_quiet), calibrateOnly);
        }

        /// <summary>
        /// The validator's message without a leading "field: " (the flag is named before it), and with FluentValidation's
        /// default display name ('load.max In Flight') put back to the field's JSON name.
        /// </summary>
        private static string Message(string message, string field)
        {
            message = LoadgenSession.StripField(message, field);
            if (message.StartsWith('\''))
            {
                var close = message.IndexOf('\'', 1);
                if (close > 0)
                {
                    message = field + message[(close + 1)..];
                }
            }

            return message;
        }

        /// <summary>The flag that sets a spec field, for messages that name what the user typed.</summary>
        private static (string Flag, string Field) FlagOf(string property)
        {
            // RuleForEach names the element: urls[1], load.rates[0].
            var bracket = property.IndexOf('[', StringComparison.Ordinal);
            var field = bracket < 0 ? property : property[..bracket];
            var flag = field switch
            {
                "name" => "--name",
                "urls" => "--url",
                "spread" => "--spread",
                "model" => "--model",
                "api" => "--api",
                "duration" => "--duration",
                "maxRequests" => "--max-requests",
                "warmup" => "--warmup",
                "timeout" => "--timeout",
                "dataset" => "--dataset",
                "tokenizer" => "--tokenizer",
                "seed" => "--seed",
                "slo" or "slo.ttft" or "slo.tpot" or "slo.e2e" => "--slo",
                "load.kind" or "load.concurrency" => "--concurrency",
                "load.rate" => "--rate",
                "load.arrival" => "--arrival",
                "load.burstiness" => "--burstiness",
                "load.from" or "load.to" => "--ramp",
                "load.rates" => "--sweep-rates",
                "load.concurrencies" => "--sweep-concurrency",
                "load.maxInFlight" => "--max-in-flight",
                "calibration" => "--calibrate",
                _ => field,
            };
            return (flag, field);
        }

        private static LoadShape Ramp(string text, List<(string, string)> problems)
        {
            var parts = text.Split(':');
            if (parts.Length == 2 && TryNumber(parts[0], out var from) && TryNumber(parts[1], out var to))
            {
                return new LoadShape("ramp", From: from, To: to);
            }

            problems.Add(("--ramp", $"'{text}' is not FROM:TO in requests per second, e.g. --ramp 1:50."));
            return new LoadShape("ramp");
        }

        private delegate bool TryParse<T>(string text, out T value);

        private static List<T>? ParseList<T>(Option<string?> option, ParseResult parse, List<(string, string)> problems, TryParse<T> tryParse)
        {
            var text = parse.GetValue(option)!;
            var values = new List<T>();
            foreach (var part in text.Split(','))
            {
                if (!tryParse(part, out var value))
                {
                    problems.Add((option.Name, $"'{part.Trim()}' in '{text}' is not a {(typeof(T) == typeof(int) ? "whole number" : "number")}; give a comma-separated list like 1,2,4."));
                    return null;
                }

                values.Add(value);
            }

            return values;
        }

        private static SloSpec? Slo(string[] values, List<(string, string)> problems)
        {
            var objectives = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var pair in values.SelectMany(v => v.Split(',')))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                var key = (eq < 0 ? pair : pair[..eq]).Trim().ToLowerInvariant();
                if (key is not ("ttft" or "tpot" or "e2e"))
                {
                    problems.Add(("--slo", $"unknown objective '{key}' in '{pair}': use ttft, tpot or e2e, e.g. --slo ttft=500ms."));
                    return null;
                }

                if (eq < 0 || pair[(eq + 1)..].Trim().Length == 0)
                {
                    problems.Add(("--slo", $"'{pair}' needs a time, e.g. {key}=500ms."));
                    return null;
                }

                if (!objectives.TryAdd(key, pair[(eq + 1)..].Trim()))
                {
                    problems.Add(("--slo", $"{key} is given twice."));
                    return null;
                }
            }

            return objectives.Count == 0
                ? null
                : new SloSpec(objectives.GetValueOrDefault("ttft"), objectives.GetValueOrDefault("tpot"), objectives.GetValueOrDefault("e2e"));
        }

        /// <summary>Checked before the run so that a long run never ends unable to save what it measured.</summary>
        private static string? OutputFile(string? path, string flag, List<(string, string)> problems)
        {
            if (path is null)
            {
                return null;
            }

            if (string.IsNullOrWhiteSpace(path))
            {
                problems.Add((flag, "needs a file name."));
                return null;
            }

            var full = Path.GetFullPath(path);
            if (Directory.Exists(full))
            {
                problems.Add((flag, $"{path} is a directory; give a file name."));
                return null;
            }

            var folder = Path.GetDirectoryName(full);
            if (folder is null || !Directory.Exists(folder))
            {
                problems.Add((flag, $"the folder {folder ?? path} does not exist."));
                return null;
            }

            return full;
        }

        private static bool TryNumber(string text, out double value) =>
            double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

        private static bool TryInt(string text, out int value) =>
            int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }
}

/// <summary>A run the flags asked for: a valid spec and where to write what it produced.</summary>
/// <param name="CalibrateOnly">Measure and print the client envelope only; send nothing to the target.</param>
internal sealed record LoadgenRequest(BenchmarkSpec Spec, string? OutputPath, string? RequestsPath, bool Quiet, bool CalibrateOnly = false);

/// <summary>Runs one <see cref="LoadgenRequest"/>: dataset, target, load, report, files.</summary>
internal sealed class LoadgenSession(LoadgenRequest request, TimeProvider time)
{
    private const string Prefix = "aibench loadgen: ";

    public async Task<int> RunAsync(CancellationToken ct)
    {
        var spec = request.Spec;
        var endpoints = spec.Urls!.Select(u => BenchmarkSpecValidator.TryEndpoint(u, out var e) ? e : throw new ArgumentException(u)).ToList();
        var createdAt = time.GetUtcNow();

        using var http = RequestSender.CreateHttpClient();
        var calibration = ClientPreparation.Calibration(spec, ClientCalibration.Default);
        if (request.CalibrateOnly)
        {
            // The envelope is this machine's, against its own zero-latency child: prompts of the asked lengths in o200k
            // are enough, and the target is not asked anything.
            PromptSet local;
            try
            {
                local = DatasetLoader.Load(spec.Dataset, spec.Api, spec.Seed, ct);
            }
            catch (DatasetException e)
            {
                await Console.Error.WriteLineAsync($"{Prefix}--dataset: {StripField(e.Message, "dataset")}");
                return ExitCodes.Usage;
            }

            return await CalibrateOnlyAsync(spec, endpoints, local, http, calibration!.Value, ct);
        }

        string model;
        try
        {
            model = await TargetResolver.ModelAsync(spec.Model, endpoints[0], http, ct);
        }
        catch (TargetException e)
        {
            await Console.Error.WriteLineAsync($"{Prefix}{e.Message}");
            return ExitCodes.Failure;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync($"{Prefix}cancelled while asking the target for its model; nothing was sent.");
            return ExitCodes.Failure;
        }

        PromptSet prompts;
        PromptTokenizer tokenizer;
        string? tokenizerNote;
        try
        {
            (tokenizer, tokenizerNote) = await PromptTokenizers.ResolveAsync(spec.Tokenizer, endpoints[0], model, http, ct);
            prompts = await DatasetLoader.LoadAsync(spec.Dataset, spec.Api, spec.Seed, tokenizer, ct);
            if (DatasetLoader.CheckFits(prompts, tokenizer.MaxModelLen) is { } tooLong)
            {
                throw new DatasetException(tooLong);
            }
        }
        catch (DatasetException e)
        {
            await Console.Error.WriteLineAsync($"{Prefix}--dataset: {StripField(e.Message, "dataset")}");
            return ExitCodes.Usage;
        }
        catch (TokenizerException e)
        {
            await Console.Error.WriteLineAsync($"{Prefix}--{e.Field}: {StripField(e.Message, e.Field)}");
            return ExitCodes.Usage;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync($"{Prefix}cancelled while loading the dataset; nothing was sent.");
            return ExitCodes.Failure;
        }

        var plan = LoadPlan.From(spec, endpoints, model) with { ContinuousUsage = tokenizer.Remote };
        var name = spec.Name ?? $"{spec.Api} {(plan.Steps.Count == 1 ? plan.Steps[0].Label : $"sweep {string.Join(", ", plan.Steps.Select(s => s.Label))}")}";
        var target = string.Join(" ", endpoints);
        var display = new LoadgenDisplay(request.Quiet, time);
        display.Starting(name, target, model, prompts.Description, plan);

        // Before the clock starts: this machine's envelope for this shape, then the client warmed against the target.
        PreparedClient prepared;
        try
        {
            prepared = await ClientPreparation.RunAsync(plan, prompts, http, calibration, spec.ClientWarmup, ClientCalibration.Binary(null),
                request.Quiet ? null : m => Console.Error.WriteLine($"{Prefix}{m}"), ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync($"{Prefix}cancelled before the run began (calibration or warm-up); nothing was measured.");
            return ExitCodes.Failure;
        }

        // With --quiet the report's envelope line says it; otherwise it is said at once, before the run's minutes.
        if (prepared.Envelope.Status is "unavailable" or "failed" && !request.Quiet)
        {
            await Console.Error.WriteLineAsync($"{Prefix}no client envelope: {prepared.Envelope.Reason}");
        }

        RunOutcome outcome;
        var cpu = ClientCpu.Start();
        using (var runner = new LoadRunner(plan, prompts, http, time))
        {
            outcome = await display.RunAsync(runner, prompts.Description, ct);
        }

        var summary = ClientLimits.Apply(Summarizer.Summarize(outcome, prompts.Tokenizer) with { TokenizerNote = tokenizerNote }, prepared.Envelope, prepared.Warmup, cpu.Fraction());
        var finishedAt = time.GetUtcNow();
        var status = outcome.Partial ? "partial" : "completed";
        var identity = new ResultDocument.Identity(null, name, status, target, model, prompts.Description, createdAt, outcome.StartedAt, finishedAt, null);

        LoadgenReport.Print(summary, plan, name, target, prompts.Description);
        LoadgenReport.PrintEnvelope(prepared.Envelope, prepared.Warmup, summary);

        // Written even when the run was cancelled or every request failed: the records say what went wrong.
        try
        {
            if (request.OutputPath is { } output)
            {
                await WriteAtomicallyAsync(output, stream => stream.WriteAsync(ResultDocument.Build(identity, spec, outcome, summary)).AsTask());
            }

            if (request.RequestsPath is { } requests)
            {
                await WriteAtomicallyAsync(requests, async stream =>
                {
                    if (requests.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
                    {
                        await Exports.WriteJsonlAsync(outcome.Records, stream, CancellationToken.None, summary.TokenCounter);
                        return;
                    }

                    await using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true) { NewLine = "\n" };
                    await Exports.WriteCsvAsync(outcome.Records, writer, CancellationToken.None, summary.TokenCounter);
                });
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"{Prefix}cannot write the results: {e.Message}");
            return ExitCodes.Failure;
        }

        var overall = summary.Overall;
        if (outcome.Partial)
        {
            await Console.Error.WriteLineAsync($"{Prefix}partial: cancelled after {overall.Completed + overall.Failed} measured requests; the results so far are reported{(request.OutputPath is null && request.RequestsPath is null ? "" : " and written")}.");
        }

        if (overall.Completed == 0 && overall.Failed > 0)
        {
            var (kind, count) = overall.Errors.OrderByDescending(e => e.Value).ThenBy(e => e.Key, StringComparer.Ordinal).First();
            var sample = summary.ErrorSamples.GetValueOrDefault(kind, "no message");
            await Console.Error.WriteLineAsync($"{Prefix}every request failed ({count} × {kind}): {sample}");
            return ExitCodes.Failure;
        }

        if (overall.Completed == 0)
        {
            await Console.Error.WriteLineAsync(outcome.Partial
                ? $"{Prefix}cancelled before any request finished; nothing was measured."
                : $"{Prefix}no request was measured (every one was sent during --warmup).");
            return ExitCodes.Failure;
        }

        return ExitCodes.Ok;
    }

    /// <summary>
    /// <c>--calibrate-only</c>: the envelope of this machine for the shape, printed (and written with --output); nothing
    /// is sent to the target. Exit 0 when it was measured, 1 otherwise.
    /// </summary>
    private async Task<int> CalibrateOnlyAsync(BenchmarkSpec spec, IReadOnlyList<Uri> endpoints, PromptSet prompts, HttpClient http, TimeSpan calibration,
        CancellationToken ct)
    {
        var plan = LoadPlan.From(spec, endpoints, spec.Model ?? "calibration");
        if (!request.Quiet)
        {
            await Console.Error.WriteLineAsync($"{Prefix}calibrating the client for {Aibench.Shared.Text.Duration.Format(calibration)} against a zero-latency endpoint on this machine ({ClientCalibration.Shape(plan, calibration).Label}, {prompts.Description})");
        }

        ClientEnvelope envelope;
        try
        {
            envelope = await ClientCalibration.MeasureAsync(plan, prompts, http, calibration, ClientCalibration.Binary(null), ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync($"{Prefix}cancelled during the calibration.");
            return ExitCodes.Failure;
        }

        LoadgenReport.PrintEnvelope(envelope, null, null);
        if (request.OutputPath is { } output)
        {
            try
            {
                await WriteAtomicallyAsync(output, stream => stream.WriteAsync(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(
                    new { envelope, dataset = prompts.Description, shape = spec.Load }, new System.Text.Json.JsonSerializerOptions(Json.Options) { WriteIndented = true })).AsTask());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"{Prefix}cannot write the envelope: {e.Message}");
                return ExitCodes.Failure;
            }
        }

        if (!envelope.IsMeasured)
        {
            await Console.Error.WriteLineAsync($"{Prefix}no client envelope: {envelope.Reason}");
            return ExitCodes.Failure;
        }

        return ExitCodes.Ok;
    }

    /// <summary>Validator and dataset messages start with the field's name; the flag is named before them already.</summary>
    internal static string StripField(string message, string field) =>
        message.StartsWith(field + ": ", StringComparison.Ordinal) ? message[(field.Length + 2)..] : message;

    /// <summary>Into a temporary file first, so that a crash or a full disk never leaves half a result behind.</summary>
    private static async Task WriteAtomicallyAsync(string path, Func<Stream, Task> write)
    {
        var temporary = path + ".tmp";
        try
        {
            await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 65_536, useAsync: true))
            {
                await write(stream);
                await stream.FlushAsync();
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
