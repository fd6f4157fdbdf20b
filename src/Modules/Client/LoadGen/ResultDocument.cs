using System.Text.Json;
using System.Text.Json.Nodes;

namespace Aibench.Client.LoadGen;

/// <summary>
/// The JSON file of a run, the same from <c>GET /api/v1/benchmarks/{id}/export?format=json</c> and from
/// <c>aibench loadgen --output</c>: identity, spec, summary (with definitions), per-second series, vLLM's
/// <c>--save-result</c> keys (<c>vllm</c>), and the same numbers under vLLM bench's and GuideLLM's definitions
/// (<c>asDefinedBy</c>).
/// </summary>
internal static class ResultDocument
{
    private static readonly JsonSerializerOptions Indented = new(Json.Options) { WriteIndented = true };

    public sealed record Identity(
        Guid? Id,
        string Name,
        string Status,
        string Target,
        string? Model,
        string? Dataset,
        DateTimeOffset? CreatedAt,
        DateTimeOffset? StartedAt,
        DateTimeOffset? FinishedAt,
        string? Error);

    /// <summary>From already serialized parts, as the database keeps them.</summary>
    /// <param name="perRequest">Keys added to <c>vllm</c> that are not stored in it (<see cref="VllmKeys.PerRequest"/>).</param>
    public static byte[] Build(Identity identity, string spec, string? summary, string? series, string? vllm,
        IReadOnlyDictionary<string, object?>? perRequest = null)
    {
        var document = JsonSerializer.SerializeToNode(identity, Json.Options)!.AsObject();
        var summaryNode = summary is null ? null : JsonNode.Parse(summary);
        // In the header: which tokenizer counted the prompts, so nobody quotes o200k counts as the model's.
        document["tokenizer"] = TokenizerOf(summaryNode);
        document["tokenizerNote"] = summaryNode?["tokenizerNote"]?.GetValue<string>();
        document["spec"] = JsonNode.Parse(spec);
        // Kept with the summary in storage, shown beside it: the peers' sets are not aibench's own numbers.
        JsonNode? asDefinedBy = null;
        if (summaryNode is JsonObject s && s.Remove("asDefinedBy", out var peers))
        {
            asDefinedBy = peers;
        }

        document["summary"] = summaryNode;
        document["envelope"] = Envelope(summaryNode);
        document["series"] = series is null ? null : JsonNode.Parse(series);
        var vllmNode = vllm is null ? null : JsonNode.Parse(vllm);
        if (vllmNode is JsonObject keys)
        {
            foreach (var (key, value) in perRequest ?? new Dictionary<string, object?>())
            {
                keys[key] = JsonSerializer.SerializeToNode(value, Json.Options);
            }
        }

        document["vllm"] = vllmNode;
        document["asDefinedBy"] = asDefinedBy;
        return JsonSerializer.SerializeToUtf8Bytes(document, Indented);
    }

    /// <summary>What counted a stored run's prompt tokens (<c>server:/tokenize</c>, <c>file:&lt;sha256&gt;</c>, <c>o200k</c>).</summary>
    public static string TokenizerOf(string? summary) => TokenizerOf(summary is null ? null : JsonNode.Parse(summary));

    // Runs stored before the tokenizer was recorded said "o200k (client side)": that is o200k.
    private static string TokenizerOf(JsonNode? summary) =>
        summary?["tokenCounter"]?.GetValue<string>() is { } counter && !counter.StartsWith("o200k", StringComparison.Ordinal) ? counter : "o200k";

    /// <summary>
    /// The client envelope section: the calibration's figures (in-process and CLI runs), the verdict with its reasons,
    /// the client's CPU and warm-up, and each worker's envelope for a distributed run. Null for runs made before it.
    /// </summary>
    private static JsonObject? Envelope(JsonNode? summary)
    {
        if (summary is not JsonObject s || (s["envelope"] is null && s["clientWarmup"] is null && s["workers"] is null))
        {
            return null;
        }

        var section = s["envelope"]?.DeepClone().AsObject() ?? [];
        section["clientLimited"] = s["clientLimited"]?.DeepClone() ?? false;
        section["clientLimitReasons"] = s["clientLimitReasons"]?.DeepClone();
        section["clientCpu"] = s["clientCpu"]?.DeepClone();
        section["clientWarmup"] = s["clientWarmup"]?.DeepClone();
        if (s["workers"] is JsonArray workers)
        {
            section["workers"] = new JsonArray([.. workers.OfType<JsonObject>().Select(w => (JsonNode)new JsonObject
            {
                ["worker"] = w["worker"]?.DeepClone(),
                ["node"] = w["node"]?.DeepClone(),
                ["envelope"] = w["envelope"]?.DeepClone(),
                ["clientCpu"] = w["clientCpu"]?.DeepClone(),
                ["clientLimited"] = w["clientLimited"]?.DeepClone() ?? false,
                ["clientLimitReasons"] = w["clientLimitReasons"]?.DeepClone(),
            })]);
        }

        foreach (var key in section.Where(p => p.Value is null).Select(p => p.Key).ToList())
        {
            section.Remove(key);
        }

        return section;
    }

    /// <summary>Straight from a finished run.</summary>
    public static byte[] Build(Identity identity, Contracts.Client.BenchmarkSpec spec, RunOutcome outcome, RunSummary summary) =>
        Build(identity,
            JsonSerializer.Serialize(spec, Json.Options),
            JsonSerializer.Serialize(summary, Json.Options),
            JsonSerializer.Serialize(Summarizer.Series(outcome), Json.Options),
            JsonSerializer.Serialize(VllmKeys.From(summary, outcome.Plan, outcome.Records, outcome.Details, texts: spec.KeepTexts),
                Json.Options));
}
