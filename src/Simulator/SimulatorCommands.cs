using Aibench.Shared.Modules;

namespace Aibench.Simulator;

/// <summary>The simulator's command for the <c>aibench</c> command line (the simulator is no module, so it has no descriptor).</summary>
public static class SimulatorCommands
{
    public static IReadOnlyList<ModuleCommand> All { get; } = [SimCommand.Entry];
}
