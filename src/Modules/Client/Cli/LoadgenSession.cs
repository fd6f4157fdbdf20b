using Aibench.Client.LoadGen;
using Aibench.Client.LoadGen.Datasets;
using Aibench.Client.LoadGen.Tokenizers;
using Aibench.Contracts.Client;
using Aibench.Shared.Cli;

namespace Aibench.Client.Cli;

/// <summary>Runs one <see cref="LoadgenRequest"/>: dataset, target, load, report, files.</summary>
internal sealed class LoadgenSession(LoadgenRequest request, TimeProvider time)
{
    private const string Prefix = LoadgenCommand.Prefix;

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
                await Console.Error.WriteLineAsync($"{Prefix}--dataset: {LoadgenFlagValues.StripField(e.Message, "dataset")}");
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
            await Console.Error.WriteLineAsync($"{Prefix}--dataset: {LoadgenFlagValues.StripField(e.Message, "dataset")}");
            return ExitCodes.Usage;
        }
        catch (TokenizerException e)
        {
            await Console.Error.WriteLineAsync($"{Prefix}--{e.Field}: {LoadgenFlagValues.StripField(e.Message, e.Field)}");
            return ExitCodes.Usage;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync($"{Prefix}cancelled while loading the dataset; nothing was sent.");
            return ExitCodes.Failure;
        }

        var plan = LoadPlan.From(spec, endpoints, model) with { ContinuousUsage = tokenizer.Remote };
        var name = spec.Name ?? $"{spec.Api} "
            + $"{(plan.Steps.Count == 1 ? plan.Steps[0].Label : $"sweep {string.Join(", ", plan.Steps.Select(s => s.Label))}")}";
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

        var summary = ClientLimits.Apply(Summarizer.Summarize(outcome, prompts.Tokenizer) with { TokenizerNote = tokenizerNote }, prepared.Envelope,
            prepared.Warmup, cpu.Fraction()).Checked(spec);
        var finishedAt = time.GetUtcNow();
        var status = outcome.Partial ? "partial" : "completed";
        var identity = new ResultDocument.Identity(null, name, status, target, model, prompts.Description, createdAt, outcome.StartedAt, finishedAt,
            null);

        LoadgenReport.Print(summary, plan, name, target, prompts.Description);
        LoadgenReport.PrintEnvelope(prepared.Envelope, prepared.Warmup, summary);
        LoadgenReport.PrintReferences(summary.References);

        // Written even when the run was cancelled or every request failed: the records say what went wrong.
        try
        {
            if (request.OutputPath is { } output)
            {
                await LoadgenFiles.WriteResultAsync(output, identity, spec, outcome, summary);
            }

            if (request.RequestsPath is { } requests)
            {
                await LoadgenFiles.WriteRequestsAsync(requests, outcome.Records, summary.TokenCounter);
            }

            if (request.ReportPath is { } report)
            {
                // A standalone run has no id: the report names it by its name and target.
                var run = new Reports.BenchmarkReportInput(Guid.Empty, name, outcome.Partial ? BenchmarkStatus.Partial : BenchmarkStatus.Completed,
                    target,
                    model, prompts.Description, null, createdAt, outcome.StartedAt, finishedAt, spec, summary, Summarizer.Series(outcome),
                        outcome.Records);
                await LoadgenFiles.WriteReportAsync(report, Reports.BenchmarkReport.Document(run, finishedAt, null));
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
            await Console.Error.WriteLineAsync($"{Prefix}partial: cancelled after {overall.Completed + overall.Failed} measured requests; the "
                + $"results so far are reported{(request.OutputPath is null && request.RequestsPath is null ? "" : " and written")}.");
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

        if (summary.References is { Passed: false } references)
        {
            await Console.Error.WriteLineAsync($"{Prefix}{references.Summary}");
            return ExitCodes.ReferenceFailed;
        }

        return ExitCodes.Ok;
    }

    /// <summary>
    /// <c>--calibrate-only</c>: the envelope of this machine for the shape, printed (and written with --output); nothing
    /// is sent to the target. Exit 0 when it was measured, 1 otherwise.
    /// </summary>
    private async Task<int> CalibrateOnlyAsync(BenchmarkSpec spec, IReadOnlyList<Uri> endpoints, PromptSet prompts, HttpClient http,
        TimeSpan calibration,
        CancellationToken ct)
    {
        var plan = LoadPlan.From(spec, endpoints, spec.Model ?? "calibration");
        if (!request.Quiet)
        {
            await Console.Error.WriteLineAsync($"{Prefix}calibrating the client for {Aibench.Shared.Text.Duration.Format(calibration)} against a "
                + $"zero-latency endpoint on this machine ({ClientCalibration.Shape(plan, calibration).Label}, {prompts.Description})");
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
                await LoadgenFiles.WriteEnvelopeAsync(output, envelope, prompts.Description, spec.Load);
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
}
