using System.CommandLine;
using Aibench.Host.Hosting;
using Aibench.Shared.Cli;
using Aibench.Shared.Modules;
using Aibench.Simulator;

namespace Aibench.Host.Cli;

/// <summary>The <c>aibench</c> command line. With no command it serves, like <c>aibench serve</c>.</summary>
internal static class AibenchCommandLine
{
    public static RootCommand Create()
    {
        var root = new RootCommand(
            """
            aibench: deploy AI services through SLURM, put load on them, and keep every result.

            Exit codes: 0 success, 1 failure, 2 bad command line, 3 invalid configuration,
            4 a required service (PostgreSQL) is unreachable, 5 a run measured outside its references.
            Settings come from appsettings.json beside the binary, then AIBENCH_* environment variables
            (AIBENCH_HOME, AIBENCH_URLS, AIBENCH_TOKEN, AIBENCH_ConnectionStrings__Postgres, ...), then options.
            """);
        root.Subcommands.Add(ServeCommand.Create());
        // The simulator's and the modules' own commands (sim, loadgen, gpu-sampler): the Host lists them, it knows none.
        foreach (var command in Commands)
        {
            root.Subcommands.Add(command.Create());
        }

        // The default command is serve: its options are accepted without the word "serve".
        ServeCommand.AddOptionsTo(root);
        root.SetAction(ServeCommand.RunAsync);

        // .NET test hosts start the entry point with --key=value host settings; those pass through,
        // anything else that matches no option is an error.
        root.TreatUnmatchedTokensAsErrors = false;
        foreach (var command in root.Subcommands)
        {
            command.TreatUnmatchedTokensAsErrors = false;
        }

        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var root = Create();
        var parse = root.Parse(args);
        var unknown = parse.UnmatchedTokens.Where(t => !IsHostSetting(t)).ToList();
        if (unknown.Count > 0)
        {
            await Console.Error.WriteLineAsync($"aibench: unrecognised argument '{unknown[0]}'. See 'aibench --help'.");
            return ExitCodes.Usage;
        }

        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await Console.Error.WriteLineAsync("aibench: " + error.Message);
            }

            await Console.Error.WriteLineAsync("See 'aibench --help'.");
            return ExitCodes.Usage;
        }

        // Ctrl+C cancels a load run, which then summarizes and writes what it measured; the default two seconds
        // before System.CommandLine gives up on the command could cut a large requests file short. A module says which
        // of its commands need longer.
        var grace = Commands.FirstOrDefault(c => c.Name == parse.CommandResult.Command.Name)?.TerminationGrace;
        var invocation = grace is { } wait ? new InvocationConfiguration { ProcessTerminationTimeout = wait } : null;
        return await parse.InvokeAsync(invocation);
    }

    private static IEnumerable<ModuleCommand> Commands => SimulatorCommands.All.Concat(AibenchHost.Modules.SelectMany(m => m.Commands));

    private static readonly string[] HostSettings = ["--contentRoot=", "--environment=", "--applicationName="];

    private static bool IsHostSetting(string token) =>
        HostSettings.Any(prefix => token.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));
}
