using System.CommandLine;

namespace Aibench.Shared.Modules;

/// <summary>
/// A command a module adds to the <c>aibench</c> command line (e.g. Client's <c>loadgen</c>). The Host lists the
/// modules' commands; it knows none of them.
/// </summary>
/// <param name="Name">The command's word, e.g. <c>loadgen</c>.</param>
/// <param name="Create">Makes the command with its options and action.</param>
public sealed record ModuleCommand(string Name, Func<Command> Create)
{
    /// <summary>
    /// How long Ctrl+C waits for the command to finish on its own before the process ends; System.CommandLine's 2 s
    /// when null. A load run summarizes and writes what it measured, which can take longer.
    /// </summary>
    public TimeSpan? TerminationGrace { get; init; }
}
