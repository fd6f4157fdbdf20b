using Aibench.Host.Cli;

return await AibenchCommandLine.RunAsync(args);

/// <summary>The entry point; public so that test hosts (WebApplicationFactory) can find it.</summary>
public partial class Program;
