using System.Net.Http.Json;
using System.Text.Json;
using Aibench.Client.LoadGen.Datasets;
using Aibench.Client.LoadGen.Tokenizers;
using Aibench.Contracts.Client;
using FluentValidation;
using FluentValidation.Results;

namespace Aibench.Client.LoadGen;

/// <summary>
/// What can be checked against the target before a run is stored: the model it serves and whether the requested
/// lengths can ever fit its context. A failure is a 400 naming the field; a target that cannot be reached now is
/// left to the run itself (it fails with the reason), so a slow server does not block submission.
/// </summary>
internal static class TargetPreflight
{
    public static async Task CheckAsync(BenchmarkSpec spec, Uri endpoint, HttpClient http, CancellationToken ct)
    {
        if (spec.Model is { Length: > 0 } model && await ServedModelsAsync(endpoint, http, ct) is { } served && !served.Contains(model))
        {
            Fail("model", $"model: the server at {endpoint} does not serve '{model}' (it serves {string.Join(", ", served.Select(m => $"'{m}'"))})");
        }

        var name = spec.Model ?? (await ServedModelsAsync(endpoint, http, ct))?.FirstOrDefault();
        if (name is null)
        {
            return;
        }

        ServerTokenizer? tokenizer;
        try
        {
            (tokenizer, _) = await ServerTokenizer.ProbeAsync(http, endpoint, name, ct);
        }
        catch (TokenizerException e)
        {
            Fail(e.Field, e.Message);
            return;
        }

        if (tokenizer?.MaxModelLen is { } max && DatasetSpec.Parse(spec.Dataset) is RandomSpec random)
        {
            // The shortest request this dataset can make; if even that does not fit, none will.
            var input = Math.Max(random.Input.Smallest, random.Prefix + 1);
            var output = random.Output.Smallest;
            if (input + output > max)
            {
                Fail("dataset", $"dataset: prompts of {input:N0} tokens + {output:N0} output tokens can never fit the server's max_model_len of "
                    + $"{max:N0}; shorten input or output");
            }
        }
    }

    private static void Fail(string field, string message) => throw new ValidationException([new ValidationFailure(field, message)]);

    private static async Task<List<string>?> ServedModelsAsync(Uri endpoint, HttpClient http, CancellationToken ct)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            using var response = await http.GetAsync(new Uri(endpoint, "v1/models"), timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }

            var body = await response.Content.ReadFromJsonAsync<JsonElement>(timeout.Token);
            return body.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array
                ? [.. data.EnumerateArray().Select(m => m.TryGetProperty("id", out var id) ? id.GetString() : null).OfType<string>()]
                : null;
        }
        catch (Exception e) when (e is HttpRequestException or JsonException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return null;
        }
    }
}
