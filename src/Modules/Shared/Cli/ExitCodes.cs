namespace Aibench.Shared.Cli;

/// <summary>Process exit codes, documented in <c>aibench --help</c> and the README.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int Usage = 2;
    public const int Configuration = 3;
    public const int DependencyUnavailable = 4;

    /// <summary>The run was measured but a figure is outside its reference (<c>--reference</c>): a regression, for cron and scrontab.</summary>
    public const int ReferenceFailed = 5;
}
