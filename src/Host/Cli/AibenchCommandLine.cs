using System.CommandLine;

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
            4 a required service (PostgreSQL) is unreachable.
            Settings come from appsettings.json beside the binary, then AIBENCH_* environment variables
            (AIBENCH_HOME, AIBENCH_URLS, AIBENCH_TOKEN, AIBENCH_ConnectionStrings__Postgres, ...), then options.
            """);
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(SimCommand.Create());
        root.Subcommands.Add(LoadgenCommand.Create());
        root.Subcommands.Add(GpuSamplerCommand.Create());

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
        // before System.CommandLine gives up on the command could cut a large requests file short.
        var invocation = parse.CommandResult.Command.Name == LoadgenCommand.Name
            ? new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromMinutes(1) }
            : null;
        return await parse.InvokeAsync(invocation);
    }

    private static readonly string[] HostSettings = ["--contentRoot=", "--environment=", "--applicationName="];

    private static bool IsHostSetting(string token) =>
        HostSettings.Any(prefix => token.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));
}
