using System.Globalization;
using Aibench.Shared.Modules;
using Aibench.Shared.Resilience;
using Aibench.Shared.Text;
using Microsoft.Extensions.Configuration;

namespace Aibench.Server;

/// <summary>How jobs reach a scheduler (section <c>Scheduler</c>).</summary>
internal sealed record SchedulerSettings(
    string Kind,
    int PollSeconds,
    TimeSpan CommandTimeout,
    int Retries,
    TimeSpan RetryDelay,
    string? RestUrl,
    string? RestSocket,
    string RestApiVersion,
    string? RestUserName,
    string? RestToken,
    BreakerPolicy Breaker)
{
    /// <summary>
    /// The scheduler's circuit: open after 3 failed calls in a row within 5 minutes, then 15 s without calls. Each failed
    /// call has already been retried (<c>Retries</c>), so 3 of them are 12 attempts over 10 s (slurmrestd refusing) to
    /// 2 minutes (squeue waits 9 s for a dead controller): a blip never opens it. The long window lets slow failures add
    /// up; a success empties it. 15 s is a handful of 2 s polls: the outage costs one trial call per 15 s instead of a
    /// full retried call per poll, and a scheduler that is back is seen within 15 s.
    /// </summary>
    public static readonly BreakerPolicy DefaultBreaker = new(3, TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(15));

    public static readonly string[] Kinds = ["auto", "slurm", "slurm-rest", "local"];

    /// <summary>Cron second steps that divide a minute evenly, so polling keeps a steady rhythm.</summary>
    public static readonly int[] PollChoices = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30];
}

/// <summary>Where services run and what they default to (section <c>Server</c>).</summary>
internal sealed record ServerSettings(
    string RunsFolder,
    string UserRecipesFolder,
    string ShippedRecipesFolder,
    string? Account,
    string? Partition,
    string? Qos,
    int MaxNodes,
    string AibenchBinary)
{
    public static readonly string[] Keys = ["RunsFolder", "RecipesFolder", "ShippedRecipesFolder", "Account", "Partition", "Qos", "MaxNodes",
        "AibenchBinary"];
    public static readonly string[] SchedulerKeys = ["Kind", "PollSeconds", "CommandTimeout", "Retries", "RetryDelay", "Rest", "Breaker"];
    public static readonly string[] BreakerKeys = ["Failures", "Window", "BreakFor"];
    public static readonly string[] RestKeys = ["Url", "Socket", "ApiVersion", "UserName", "Token"];

    public static (ServerSettings Server, SchedulerSettings Scheduler) Load(IConfiguration configuration, DataFolder data, List<string> errors)
    {
        SettingReader.Unknown(configuration.GetSection("Server"), Keys, errors);
        SettingReader.Unknown(configuration.GetSection("Scheduler"), SchedulerKeys, errors);
        SettingReader.Unknown(configuration.GetSection("Scheduler:Rest"), RestKeys, errors);
        SettingReader.Unknown(configuration.GetSection("Scheduler:Breaker"), BreakerKeys, errors);

        var runs = SafePath(configuration, "Server:RunsFolder", Path.Combine(data.Path, "runs"), errors);
        var user = SafePath(configuration, "Server:RecipesFolder", Path.Combine(data.Path, "recipes"), errors);
        var shipped = SafePath(configuration, "Server:ShippedRecipesFolder", Path.Combine(AppContext.BaseDirectory, "recipes"), errors);
        var account = SlurmName(configuration, "Server:Account", errors);
        var partition = SlurmName(configuration, "Server:Partition", errors);
        var qos = SlurmName(configuration, "Server:Qos", errors);
        var maxNodes = SettingReader.Int(configuration, "Server:MaxNodes", 64, 1, 100_000, errors);
        var binary = SafePath(configuration, "Server:AibenchBinary", DefaultBinary(), errors);

        var kind = configuration["Scheduler:Kind"] ?? "auto";
        if (!SchedulerSettings.Kinds.Contains(kind))
        {
            errors.Add($"Scheduler:Kind: '{kind}' is not a scheduler; expected one of {string.Join(", ", SchedulerSettings.Kinds)}.");
        }

        var poll = SettingReader.Int(configuration, "Scheduler:PollSeconds", 2, 1, 30, errors);
        if (!SchedulerSettings.PollChoices.Contains(poll))
        {
            errors.Add($"Scheduler:PollSeconds: {poll} does not divide a minute; expected one of "
                + $"{string.Join(", ", SchedulerSettings.PollChoices)}.");
        }

        var timeout = SettingReader.Time(configuration, "Scheduler:CommandTimeout", TimeSpan.FromSeconds(30), errors);
        var retries = SettingReader.Int(configuration, "Scheduler:Retries", 3, 0, 10, errors);
        var retryDelay = SettingReader.Time(configuration, "Scheduler:RetryDelay", TimeSpan.FromMilliseconds(500), errors);

        var restUrl = configuration["Scheduler:Rest:Url"];
        if (restUrl is not null && (!Uri.TryCreate(restUrl, UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https")))
        {
            errors.Add($"Scheduler:Rest:Url: '{restUrl}' is not an http(s) URL like http://slurmrestd:6820.");
        }

        var restSocket = configuration["Scheduler:Rest:Socket"];
        if (restSocket is not null && !Path.IsPathFullyQualified(restSocket))
        {
            errors.Add($"Scheduler:Rest:Socket: '{restSocket}' must be an absolute path to slurmrestd's Unix socket.");
        }

        var version = configuration["Scheduler:Rest:ApiVersion"] ?? "v0.0.38";
        if (!System.Text.RegularExpressions.Regex.IsMatch(version, @"^v0\.0\.\d{2}$"))
        {
            errors.Add($"Scheduler:Rest:ApiVersion: '{version}' is not an API version like v0.0.38 or v0.0.40.");
        }

        if (kind == "slurm-rest" && restUrl is null && restSocket is null)
        {
            errors.Add("Scheduler:Rest:Url: slurm-rest needs Scheduler:Rest:Url or Scheduler:Rest:Socket.");
        }

        var breaker = Breaker(configuration, errors);

        return (
            new ServerSettings(runs, user, shipped, account, partition, qos, maxNodes, binary),
            new SchedulerSettings(kind, poll, timeout, retries, retryDelay, restUrl, restSocket, version,
                configuration["Scheduler:Rest:UserName"], configuration["Scheduler:Rest:Token"], breaker));
    }

    /// <summary>Scheduler:Breaker:*, within the bounds Polly accepts, so that building the breaker cannot fail later.</summary>
    private static BreakerPolicy Breaker(IConfiguration configuration, List<string> errors)
    {
        var fallback = SchedulerSettings.DefaultBreaker;
        var failures = SettingReader.Int(configuration, "Scheduler:Breaker:Failures", fallback.Failures, BreakerPolicy.MinFailures,
            BreakerPolicy.MaxFailures, errors);
        TimeSpan Bounded(string key, TimeSpan value)
        {
            var read = SettingReader.Time(configuration, key, value, errors);
            if (read >= BreakerPolicy.MinTime && read <= BreakerPolicy.MaxTime) return read;
            errors.Add($"{key}: '{configuration[key]}' must be from 500ms to 1d.");
            return value;
        }

        return new BreakerPolicy(failures, Bounded("Scheduler:Breaker:Window", fallback.Window),
            Bounded("Scheduler:Breaker:BreakFor", fallback.BreakFor));
    }

    /// <summary>
    /// This very program when it runs as the aibench executable (published or built); on a cluster it must sit on a
    /// filesystem the compute nodes see, or Server:AibenchBinary names a copy that does.
    /// </summary>
    private static string DefaultBinary()
    {
        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileName(self) == "aibench") return self;
        var beside = Path.Combine(AppContext.BaseDirectory, "aibench");
        return File.Exists(beside) ? beside : "/usr/local/bin/aibench";
    }

    /// <summary>An absolute path that can be written into job scripts as it is.</summary>
    private static string SafePath(IConfiguration configuration, string key, string fallback, List<string> errors)
    {
        var value = configuration[key] ?? fallback;
        if (!Path.IsPathFullyQualified(value) || value.Any(c => char.IsControl(c) || c is '"' or '\'' or '`' or '$' or '\\'))
        {
            errors.Add($"{key}: '{value}' must be an absolute path without quotes, '$', '`' or '\\' (it is written into job scripts).");
            return fallback;
        }

        return Path.GetFullPath(value);
    }

    private static string? SlurmName(IConfiguration configuration, string key, List<string> errors)
    {
        var value = configuration[key];
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (!Recipes.RecipeValidator.SlurmNamePattern().IsMatch(value))
        {
            errors.Add($"{key}: '{value}' is not a SLURM name (letters, digits, '_', '-', '.').");
            return null;
        }

        return value;
    }
}
