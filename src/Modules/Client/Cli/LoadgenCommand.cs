using System.CommandLine;
using Aibench.Contracts.Client;
using Aibench.Shared.Cli;

namespace Aibench.Client.Cli;

/// <summary>
/// <c>aibench loadgen</c>: the load generator on its own, against any OpenAI-compatible endpoint, without the web
/// host or a database. The flags build the same <see cref="BenchmarkSpec"/> the REST API takes, so both accept and
/// reject exactly the same runs.
/// </summary>
internal static class LoadgenCommand
{
    public const string Name = "loadgen";

    /// <summary>Starts every message of the command on standard error.</summary>
    internal const string Prefix = "aibench loadgen: ";

    public static Command Create(TimeProvider? time = null)
    {
        var flags = new LoadgenFlags();
        var command = new Command(Name,
            """
            Put load on an OpenAI-compatible endpoint (vLLM, SGLang, aibench sim, ...) and print throughput and latency.
            Exit codes: 0 the run finished (request errors are reported, not fatal), 1 every request failed or the target
            could not be used, 2 bad flags or dataset. Ctrl+C stops the run; what was measured is still reported and written.
            """);
        flags.AddTo(command);
        var worker = new LoadgenWorkerFlags();
        worker.AddTo(command);
        command.SetAction((parse, ct) => parse.GetValue(worker.Config) is { } config
            ? worker.RunAsync(parse, config, time ?? TimeProvider.System, ct)
            : RunAsync(parse, flags, time ?? TimeProvider.System, ct));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, LoadgenFlags flags, TimeProvider time, CancellationToken ct)
    {
        var request = flags.Read(parse, out var errors);
        if (request is null)
        {
            foreach (var (flag, message) in errors)
            {
                await Console.Error.WriteLineAsync($"{Prefix}{flag}: {message}");
            }

            return ExitCodes.Usage;
        }

        return await new LoadgenSession(request, time).RunAsync(ct);
    }
}
