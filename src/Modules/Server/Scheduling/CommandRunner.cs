using System.Diagnostics;
using System.Text;

namespace Aibench.Server.Scheduling;

internal sealed record CommandResult(int ExitCode, string Stdout, string Stderr)
{
    public string Message => (Stderr.Trim().Length > 0 ? Stderr : Stdout).Trim();
}

/// <summary>Runs a scheduler command with arguments as a list (no shell), a timeout and captured output.</summary>
internal sealed class CommandRunner
{
    /// <summary>How many commands were started; the polling benchmark counts scheduler calls with it.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    private long _calls;

    public async Task<CommandResult> RunAsync(string program, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken cancellationToken,
        string? workingDirectory = null)
    {
        Interlocked.Increment(ref _calls);
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new SchedulerUnavailableException($"cannot run {program}: {e.Message}", e);
        }

        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (cancellationToken.IsCancellationRequested) throw;
            throw new SchedulerUnavailableException($"{program} did not answer within {timeout.TotalSeconds:0} s");
        }

        return new CommandResult(process.ExitCode, await stdout, await stderr);
    }
}
