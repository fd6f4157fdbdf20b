using Mediator;

namespace Aibench.Contracts.Server;

/// <summary>
/// Asks the Server module which recipes can be deployed and what each one takes, so that another module's form
/// (the experiment start form) can offer them without reading the Server module's types.
/// </summary>
public sealed record ListRecipeOptions : IQuery<RecipeOptions>;

/// <summary>The deployable recipes and the site's node limit.</summary>
/// <param name="Recipes">Every valid recipe, by name.</param>
/// <param name="MaxNodes">The most nodes one service may ask for (<c>Server:MaxNodes</c>).</param>
public sealed record RecipeOptions(IReadOnlyList<RecipeOption> Recipes, int MaxNodes);

/// <summary>One recipe as a form offers it.</summary>
/// <param name="Name">Recipe name, e.g. <c>vllm-sim</c>.</param>
/// <param name="Description">What it deploys.</param>
/// <param name="Deployment"><c>single</c> (one node, nodes fixed), <c>replicas</c> or <c>ray</c>.</param>
/// <param name="Nodes">Its default node count.</param>
/// <param name="GpusPerNode">GPUs asked for on each node.</param>
/// <param name="CpusPerTask">CPUs asked for each task.</param>
/// <param name="Partition">Its partition, when it names one.</param>
/// <param name="Parameters">Its parameter schema, in order.</param>
public sealed record RecipeOption(
    string Name,
    string Description,
    string Deployment,
    int Nodes,
    int GpusPerNode,
    int CpusPerTask,
    string? Partition,
    IReadOnlyList<RecipeParameterOption> Parameters);

/// <summary>One recipe parameter as a form field.</summary>
/// <param name="Name">Its name, the key in <c>parameters</c>.</param>
/// <param name="Type"><c>string</c>, <c>int</c>, <c>float</c>, <c>bool</c> or <c>enum</c>.</param>
/// <param name="Default">Its default as text; null for secret parameters and those without one.</param>
/// <param name="Min">Lowest value of a number.</param>
/// <param name="Max">Highest value of a number.</param>
/// <param name="Values">The choices of an <c>enum</c>.</param>
/// <param name="Description">What it means.</param>
/// <param name="Required">Whether a value must be given.</param>
/// <param name="Secret">Whether the value is a secret (shown as a password field, never stored by other modules).</param>
public sealed record RecipeParameterOption(
    string Name,
    string Type,
    string? Default,
    double? Min,
    double? Max,
    IReadOnlyList<string> Values,
    string Description,
    bool Required,
    bool Secret);
