using System.Text.Json.Nodes;

namespace Aibench.Client.LoadGen;

/// <summary>
/// The run's metric set under other tools' definitions, from the same request records: <c>vllm</c> (vllm bench serve)
/// and <c>guidellm</c>. Each object names its tool and the version of the definitions it follows, its formulas, and
/// every approximation aibench had to make. In the result document it is the top-level <c>asDefinedBy</c>.
/// </summary>
internal static class PeerDefinitions
{
    public static JsonObject From(RunOutcome outcome) => new()
    {
        ["vllm"] = VllmBenchDefinitions.From(outcome),
        ["guidellm"] = GuideLlmDefinitions.From(outcome),
    };
}
