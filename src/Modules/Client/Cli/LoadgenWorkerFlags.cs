using System.CommandLine;
using Aibench.Client.LoadGen.Datasets;
using Aibench.Shared.Cli;

namespace Aibench.Client.Cli;

/// <summary>
/// The flags of a distributed run's worker, given by the job script the Server module renders; not for people.
/// Everything about the load is in the configuration file, so nothing the user typed passes through the shell.
/// </summary>
internal sealed class LoadgenWorkerFlags
{
    public Option<string?> Config { get; } = new("--worker")
        { Description = "Run as a worker of a distributed benchmark, with this worker.json (set by the job script).", HelpName = "file",
            Hidden = true };

    private readonly Option<int> _index = new("--worker-index") { Description = "This worker's index (SLURM_PROCID).", Hidden = true };

    private readonly Option<string?> _node = new("--worker-node") { Description = "The node this worker runs on.", Hidden = true };

    public void AddTo(Command command)
    {
        command.Options.Add(Config);
        command.Options.Add(_index);
        command.Options.Add(_node);
    }

    public async Task<int> RunAsync(ParseResult parse, string config, TimeProvider time, CancellationToken ct)
    {
        try
        {
            using var worker = new Aibench.Client.LoadGen.Distributed.LoadWorker(config, parse.GetValue(_index), parse.GetValue(_node), time,
                Console.Error);
            return await worker.RunAsync(ct);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or InvalidDataException
            or DatasetException)
        {
            await Console.Error.WriteLineAsync($"{LoadgenCommand.Prefix}worker: {e.Message}");
            return ExitCodes.Usage;
        }
    }
}
