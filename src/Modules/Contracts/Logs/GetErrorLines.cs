using Mediator;

namespace Aibench.Contracts.Logs;

/// <summary>
/// Asks the Logs module for the first error lines of an experiment's logs (its service's replicas and its load
/// workers): lines at level error or critical, oldest first, each as <c>time node/task text</c>.
/// </summary>
/// <param name="Experiment">Whose lines.</param>
/// <param name="Limit">At most this many.</param>
public sealed record GetErrorLines(Guid Experiment, int Limit = 20) : IQuery<IReadOnlyList<string>>;
