using Mediator;

namespace Aibench.Contracts.Server;

/// <summary>
/// Asks the Server module whose logs to collect: every service with a run folder that is still going, or that ended
/// after <paramref name="EndedSince"/> (its files are read once more after the end).
/// </summary>
/// <param name="EndedSince">Services that ended before this are left out.</param>
public sealed record ListLogSources(DateTimeOffset EndedSince) : IQuery<IReadOnlyList<LogSource>>;

/// <summary>Where a service's logs are and what must never appear in them.</summary>
/// <param name="ServiceId">The service.</param>
/// <param name="RunFolder">Its run folder: <c>task-&lt;n&gt;.out/.err</c>, <c>slurm-&lt;job&gt;.out/.err</c>, and files under <c>logs/</c>.</param>
/// <param name="Ended">Whether the service reached an end state.</param>
/// <param name="NodeOfTask">The node each task (replica) runs on, as far as known.</param>
/// <param name="Secrets">Values of the recipe parameters marked secret, to be masked.</param>
public sealed record LogSource(Guid ServiceId, string RunFolder, bool Ended, IReadOnlyDictionary<int, string> NodeOfTask, IReadOnlyList<string> Secrets);
