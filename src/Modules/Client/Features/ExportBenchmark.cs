using System.Text;
using System.Text.Json;
using Aibench.Client.LoadGen;
using Aibench.Client.Persistence;
using Aibench.Contracts;
using Aibench.Shared.Api;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Client.Features;

/// <summary>
/// A run as a file: <c>json</c> (spec, summary with definitions, per-second series and vLLM's result keys, with each
/// request's <c>itls</c> when the run kept them), <c>csv</c> or <c>jsonl</c> (one row per request).
/// </summary>
/// <param name="Texts">Add each request's generated text to the JSON's <c>vllm</c> keys (<c>generated_texts</c>); only of a run whose spec
/// kept them.</param>
public sealed record ExportBenchmark(Guid Id, string Format, bool Texts = false) : IQuery<BenchmarkFile>;

/// <summary>A file ready to send.</summary>
public sealed record BenchmarkFile(string FileName, string ContentType, byte[] Content);

/// <summary>The per-second series of a run.</summary>
public sealed record GetBenchmarkSeries(Guid Id) : IQuery<IReadOnlyList<SecondPoint>>;

internal sealed class ExportBenchmarkValidator : AbstractValidator<ExportBenchmark>
{
    public ExportBenchmarkValidator()
    {
        RuleFor(q => q.Format).Must(f => f is "json" or "csv" or "jsonl")
            .WithMessage(q => $"format: '{q.Format}' is not json, csv or jsonl.").OverridePropertyName("format");
        RuleFor(q => q).Must(q => !q.Texts || q.Format is not ("csv" or "jsonl"))
            .WithMessage("texts: the generated texts are part of the JSON export only (format=json).").OverridePropertyName("texts");
    }
}

internal sealed class ExportBenchmarkHandler(IDbContextFactory<ClientDbContext> dbFactory)
    : IQueryHandler<ExportBenchmark, BenchmarkFile>, IQueryHandler<GetBenchmarkSeries, IReadOnlyList<SecondPoint>>
{
    public async ValueTask<BenchmarkFile> Handle(ExportBenchmark query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var run = await db.Benchmarks.AsNoTracking().SingleOrDefaultAsync(r => r.Id == query.Id, cancellationToken)
            ?? throw new NotFoundException("Benchmark", query.Id.ToString());
        var baseName = $"benchmark-{run.Id}";
        if (query.Format == "json")
        {
            var identity = new ResultDocument.Identity(run.Id, run.Name, run.Status.WireName(), run.Target, run.Model, run.Dataset,
                run.CreatedAt, run.StartedAt, run.FinishedAt, run.Error);
            var perRequest = run.Vllm is null && !query.Texts ? null : await PerRequestAsync(db, run.Id, query.Texts, cancellationToken);
            return new BenchmarkFile(baseName + ".json", "application/json",
                ResultDocument.Build(identity, run.Spec, run.Summary, run.Series, run.Vllm, perRequest));
        }

        var records = await RecordsAsync(db, run.Id, cancellationToken);
        var tokenizer = ResultDocument.TokenizerOf(run.Summary);
        using var buffer = new MemoryStream();
        if (query.Format == "csv")
        {
            await using var writer = new StreamWriter(buffer, new UTF8Encoding(false), leaveOpen: true);
            await Exports.WriteCsvAsync(records, writer, cancellationToken, tokenizer);
        }
        else
        {
            await Exports.WriteJsonlAsync(records, buffer, cancellationToken, tokenizer);
        }

        return new BenchmarkFile($"{baseName}-requests.{query.Format}", query.Format == "csv" ? "text/csv" : "application/x-ndjson",
            buffer.ToArray());
    }

    public async ValueTask<IReadOnlyList<SecondPoint>> Handle(GetBenchmarkSeries query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var series = await db.Benchmarks.AsNoTracking().Where(r => r.Id == query.Id).Select(r
            => new { r.Series }).SingleOrDefaultAsync(cancellationToken)
            ?? throw new NotFoundException("Benchmark", query.Id.ToString());
        return series.Series is null ? [] : JsonSerializer.Deserialize<List<SecondPoint>>(series.Series, Json.Options) ?? [];
    }

    /// <summary>
    /// The <c>vllm</c> keys kept beside the records rather than in the stored keys: <c>itls</c> when the run kept chunk gaps (streaming
    /// runs stored since aibench keeps them) and, when asked, <c>generated_texts</c>. The records are read only when there is one.
    /// </summary>
    private static async Task<Dictionary<string, object?>?> PerRequestAsync(ClientDbContext db, Guid id, bool texts, CancellationToken ct)
    {
        var kept = await db.Requests.AsNoTracking().Where(p => p.RunId == id)
            .Select(p => new { Gaps = p.ChunkGaps != null, Texts = p.Texts != null }).ToListAsync(ct);
        var withGaps = kept.Count > 0 && kept.All(p => p.Gaps);
        var withTexts = kept.Count > 0 && kept.All(p => p.Texts);
        if (texts && !withTexts)
        {
            throw new ValidationException([new FluentValidation.Results.ValidationFailure("texts",
                "texts: this run kept no generated texts; only runs started with keepTexts: true (aibench loadgen --keep-texts) that sent "
                + "requests have them.")]);
        }

        if (!withGaps && !texts)
        {
            return null;
        }

        var parts = await db.Requests.AsNoTracking().Where(p => p.RunId == id).OrderBy(p => p.Part)
            .Select(p => new { p.Data, ChunkGaps = withGaps ? p.ChunkGaps : null, Texts = texts ? p.Texts : null }).ToListAsync(ct);
        var records = parts.SelectMany(p => Exports.Decode(p.Data)).ToList();
        var details = RequestDetails.Concat([.. parts.Select(p => new RequestDetails(
            p.ChunkGaps is { } g ? RequestDetails.DecodeGaps(g) : null, p.Texts is { } t ? RequestDetails.DecodeTexts(t) : null))]);
        return VllmKeys.PerRequest(records, details, texts);
    }

    internal static async Task<List<RequestRecord>> RecordsAsync(ClientDbContext db, Guid id, CancellationToken ct)
    {
        var parts = await db.Requests.AsNoTracking().Where(p => p.RunId == id).OrderBy(p => p.Part).Select(p => p.Data).ToListAsync(ct);
        return [.. parts.SelectMany(Exports.Decode)];
    }

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/benchmarks/{id:guid}/export",
                async Task<FileContentHttpResult> (Guid id, string? format, string? texts, ISender sender, CancellationToken ct) =>
            {
                // Read here rather than bound as bool?: a wrong value is then a 400 naming the field like every other.
                var withTexts = false;
                if (texts is not null && !bool.TryParse(texts, out withTexts))
                {
                    throw new ValidationException([new FluentValidation.Results.ValidationFailure("texts",
                        $"texts: '{texts}' is not true or false.")]);
                }

                var file = await sender.Send(new ExportBenchmark(id, format ?? "json", withTexts), ct);
                return TypedResults.File(file.Content, file.ContentType, file.FileName);
            })
            .WithName("ExportBenchmark")
            .WithSummary("Download a run: ?format=json (summary, series, vLLM keys; &texts=true adds generated_texts of a run that kept them), "
                + "csv or jsonl (one row per request).")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/benchmarks/{id:guid}/series", async Task<Ok<IReadOnlyList<SecondPoint>>> (Guid id, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new GetBenchmarkSeries(id), ct)))
            .WithName("GetBenchmarkSeries")
            .WithSummary("Per-second points of a run: sent, completed, errors, tokens, in flight, mean TTFT and E2E.")
            .ProducesProblem(StatusCodes.Status404NotFound);
    }
}
