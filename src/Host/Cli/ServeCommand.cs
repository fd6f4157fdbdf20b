using System.CommandLine;
using Aibench.Host.Configuration;
using Aibench.Host.Hosting;
using Aibench.Host.Security;
using Aibench.Shared.Cli;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Aibench.Host.Cli;

/// <summary><c>aibench serve</c>: the web application with every module, on the configured data folder.</summary>
internal static class ServeCommand
{
    private static readonly Option<string?> Urls = new("--urls")
    {
        Description = "Main URL to listen on (setting Urls, env AIBENCH_URLS). Default: " + AibenchSettings.DefaultUrl,
        HelpName = "url",
    };

    private static readonly Option<string?> Home = new("--home")
    {
        Description = "Data folder: database, token, logs, run folders (setting Home, env AIBENCH_HOME). Default: ~/.local/share/aibench",
        HelpName = "dir",
    };

    private static readonly Option<bool> AllowRemote = new("--allow-remote")
    {
        Description = "Allow --urls to bind beyond loopback. Everyone who can reach the port then only needs the token.",
    };

    private static readonly Option<bool> MetricsAnonymous = new("--metrics-anonymous")
    {
        Description = "Serve /metrics without the token, for a site Prometheus (setting Metrics:Anonymous).",
    };

    private static readonly Option<string[]> Set = new("--set", "-s")
    {
        Description = "Override any setting, e.g. --set ConnectionStrings:Postgres=Host=db;Username=me (repeatable).",
        HelpName = "key=value",
        AllowMultipleArgumentsPerToken = false,
    };

    public static void AddOptionsTo(Command command)
    {
        command.Options.Add(Urls);
        command.Options.Add(Home);
        command.Options.Add(AllowRemote);
        command.Options.Add(MetricsAnonymous);
        command.Options.Add(Set);
    }

    public static Command Create()
    {
        var serve = new Command("serve", "Run the aibench web application and API (the default command).");
        AddOptionsTo(serve);
        serve.SetAction(RunAsync);
        return serve;
    }

    public static async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in parse.GetValue(Set) ?? [])
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0)
            {
                await Console.Error.WriteLineAsync($"aibench: --set '{pair}': expected key=value, e.g. --set Log:Level=Debug");
                return ExitCodes.Usage;
            }

            overrides[pair[..eq].Trim()] = pair[(eq + 1)..];
        }

        if (parse.GetValue(Urls) is { } urls) overrides["Urls"] = urls;
        if (parse.GetValue(Home) is { } home) overrides["Home"] = home;
        if (parse.GetValue(AllowRemote)) overrides["AllowRemote"] = "true";
        if (parse.GetValue(MetricsAnonymous)) overrides["Metrics:Anonymous"] = "true";

        // Test hosts hand the .NET host its own settings as --key=value tokens; they are passed through untouched.
        var hostArgs = parse.UnmatchedTokens.ToArray();
        return await ServeAsync(hostArgs, overrides, cancellationToken);
    }

    internal static async Task<int> ServeAsync(string[] hostArgs, IReadOnlyDictionary<string, string?> overrides, CancellationToken cancellationToken)
    {
        WebApplication app;
        AibenchSettings settings;
        try
        {
            app = AibenchHost.Build(hostArgs, overrides);
            settings = app.Services.GetRequiredService<AibenchSettings>();
        }
        catch (ConfigurationException e)
        {
            await Console.Error.WriteLineAsync("aibench: the configuration is not valid:");
            foreach (var error in e.Errors)
            {
                await Console.Error.WriteLineAsync("  " + error);
            }

            return ExitCodes.Configuration;
        }

        await using (app)
        {
            try
            {
                StartupChecks.PrepareDataFolder(settings, app.Logger);
                var tokens = app.Services.GetRequiredService<TokenStore>();
                await StartupChecks.CheckDatabaseReachableAsync(settings.Database, cancellationToken);
                await StartupChecks.MigrateAsync(app.Services, cancellationToken);

                app.Urls.Clear();
                app.Urls.Add(settings.Url.GetLeftPart(UriPartial.Authority));
                foreach (var (module, port) in settings.ModulePorts)
                {
                    app.Urls.Add($"{settings.Url.Scheme}://{settings.Url.Host}:{port}");
                }

                if (!settings.IsLoopback)
                {
                    app.Logger.LogWarning(
                        "aibench listens on {Url}, beyond this machine: anyone who can reach it and has the token can deploy jobs as you",
                        settings.Url);
                }

                await app.StartAsync(cancellationToken);
                PrintReadyLine(app, settings, tokens);
                await app.WaitForShutdownAsync(cancellationToken);
                return ExitCodes.Ok;
            }
            catch (DependencyUnavailableException e)
            {
                await Console.Error.WriteLineAsync("aibench: " + e.Message);
                return ExitCodes.DependencyUnavailable;
            }
            catch (IOException e) when (e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                await Console.Error.WriteLineAsync($"aibench: cannot listen: {e.Message} Choose another with --urls.");
                return ExitCodes.Failure;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return ExitCodes.Ok;
            }
        }
    }

    /// <summary>
    /// One line on standard output (logs go to standard error) that a person can open and a script can parse.
    /// The token is printed here and only here: never into the log file.
    /// </summary>
    private static void PrintReadyLine(WebApplication app, AibenchSettings settings, TokenStore tokens)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        // With port 0 the real port is only known now; the first address is the main URL.
        var main = addresses.FirstOrDefault() ?? settings.Url.GetLeftPart(UriPartial.Authority);
        var uri = new UriBuilder(main);
        if (uri.Host is "0.0.0.0" or "[::]" or "::" or "+" or "*")
        {
            uri.Host = Environment.MachineName;
        }

        Console.Out.WriteLine($"aibench is ready: {uri.Uri.GetLeftPart(UriPartial.Authority)}/?token={Uri.EscapeDataString(tokens.Token)}");
        Console.Out.Flush();
    }
}
