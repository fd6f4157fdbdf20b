using System.Text.Json;
using System.Text.Json.Serialization;

namespace Aibench.Client.LoadGen;

/// <summary>How specs, summaries and series are stored and exported: the API's camelCase, nulls left out.</summary>
internal static class Json
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
