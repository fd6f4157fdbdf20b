using System.Globalization;
using System.Net;
using Aibench.Shared.Modules;
using Aibench.Shared.Persistence;
using Npgsql;

namespace Aibench.Host.Configuration;

/// <summary>
/// Every setting the host reads, parsed and checked once. A wrong key or value stops start-up with a message
/// naming the key and what it expects, rather than surfacing later as an odd failure on a shared login node.
/// </summary>
internal sealed record AibenchSettings(
    string Home,
    Uri Url,
    bool AllowRemote,
    string? Token,
    string? PostgresConnectionString,
    bool MetricsAnonymous,
    int HangfireWorkers,
    Serilog.Events.LogEventLevel LogLevel,
    IReadOnlyDictionary<string, int> ModulePorts)
{
    public const string DefaultUrl = "http://127.0.0.1:8000";

    /// <summary>Top-level configuration keys aibench owns, plus the host's own and .NET's usual sections.</summary>
    public static readonly string[] KnownRootKeys =
    [
        "Home", "Urls", "AllowRemote", "Token", "ConnectionStrings", "Metrics", "Hangfire", "Log", "Modules",
        // Set by the .NET host or test hosts. Kestrel's own section is not accepted: it could bind beyond
        // loopback behind the back of Urls and AllowRemote.
        "applicationName", "contentRoot", "environment", "AllowedHosts",
    ];

    public string DatabaseFile => Path.Combine(Home, "aibench.db");
    public string TokenFile => Aibench.Shared.Cli.AibenchHome.TokenFile(Home);
    public string LogsFolder => Path.Combine(Home, "logs");
    public string KeysFolder => Path.Combine(Home, "keys");
    public string RunsFolder => Path.Combine(Home, "runs");

    public DatabaseSettings Database => PostgresConnectionString is { } pg
        ? new DatabaseSettings(DatabaseProvider.Postgres, pg)
        : DatabaseSettings.ForSqliteFile(DatabaseFile);

    public static AibenchSettings Load(IConfiguration configuration, IEnumerable<ModuleDescriptor> modules)
    {
        var errors = new List<string>();
        var moduleList = modules.ToList();

        var known = KnownRootKeys.Concat(moduleList.SelectMany(m => m.ConfigurationSections)).ToList();
        foreach (var section in configuration.GetChildren())
        {
            if (!known.Contains(section.Key, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add($"{section.Key}: unknown setting; known settings are "
                    + $"{string.Join(", ", known.Where(k => char.IsUpper(k[0])).Except(["AllowedHosts"]))}.");
            }
        }

        CheckChildren(configuration.GetSection("ConnectionStrings"), ["Postgres"], errors);
        CheckChildren(configuration.GetSection("Metrics"), ["Anonymous"], errors);
        CheckChildren(configuration.GetSection("Hangfire"), ["Workers"], errors);
        CheckChildren(configuration.GetSection("Log"), ["Level"], errors);
        CheckChildren(configuration.GetSection("Modules"), [.. moduleList.Select(m => m.Name)], errors);

        var home = configuration["Home"] is { Length: > 0 } h ? h : Aibench.Shared.Cli.AibenchHome.Default();
        if (!Path.IsPathFullyQualified(home))
        {
            home = Path.GetFullPath(home);
        }

        var allowRemote = ParseBool(configuration, "AllowRemote", false, errors);
        var url = ParseUrl(configuration["Urls"] ?? DefaultUrl, allowRemote, errors);

        var token = configuration["Token"];
        if (token is not null && (token.Length < 22 || token.Any(char.IsWhiteSpace)))
        {
            errors.Add("Token: must be at least 22 characters (128 bits) without spaces; leave it unset to have one generated.");
        }

        var postgres = configuration["ConnectionStrings:Postgres"];
        if (postgres is { Length: 0 })
        {
            postgres = null;
        }

        if (postgres is not null)
        {
            try
            {
                _ = new NpgsqlConnectionStringBuilder(postgres);
            }
            catch (ArgumentException e)
            {
                errors.Add($"ConnectionStrings:Postgres: not a valid PostgreSQL connection string ({e.Message}).");
            }
        }

        var metricsAnonymous = ParseBool(configuration, "Metrics:Anonymous", false, errors);
        // The jobs wait on SLURM and HTTP, not on CPU; a few per core, but not hundreds on a 128-core login node.
        var workers = ParseInt(configuration, "Hangfire:Workers", Math.Clamp(Environment.ProcessorCount * 2, 4, 20), 1, 100, errors);
        var level = Serilog.Events.LogEventLevel.Information;
        if (configuration["Log:Level"] is { } levelText && !Enum.TryParse(levelText, ignoreCase: true, out level))
        {
            errors.Add($"Log:Level: '{levelText}' is not a level; expected one of "
                + $"{string.Join(", ", Enum.GetNames<Serilog.Events.LogEventLevel>())}.");
        }

        var ports = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var module in moduleList)
        {
            CheckChildren(configuration.GetSection($"Modules:{module.Name}"), ["Port"], errors);
            if (configuration[module.PortKey] is not null)
            {
                var port = ParseInt(configuration, module.PortKey, 0, 1, 65535, errors);
                if (port == url.Port)
                {
                    errors.Add($"{module.PortKey}: {port} is already the main port (Urls).");
                }
                else if (port > 0 && ports.ContainsValue(port))
                {
                    errors.Add($"{module.PortKey}: {port} is already used by another module.");
                }
                else if (port > 0)
                {
                    ports[module.Name] = port;
                }
            }
        }

        foreach (var module in moduleList.Where(m => m.CheckConfiguration is not null))
        {
            errors.AddRange(module.CheckConfiguration!(configuration, new DataFolder(home)));
        }

        if (errors.Count > 0)
        {
            throw new ConfigurationException(errors);
        }

        return new AibenchSettings(home, url, allowRemote, token, postgres, metricsAnonymous, workers, level, ports);
    }

    /// <summary>Whether aibench listens on the loopback interface only.</summary>
    public bool IsLoopback => IsLoopbackHost(Url.Host);

    private static bool IsLoopbackHost(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    private static Uri ParseUrl(string value, bool allowRemote, List<string> errors)
    {
        if (value.Contains(';'))
        {
            errors.Add($"Urls: '{value}' lists several URLs; give one (module ports are set with Modules:<Name>:Port).");
            return new Uri(DefaultUrl);
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https")
            || url.AbsolutePath != "/" || url.Query.Length > 0)
        {
            errors.Add($"Urls: '{value}' is not a URL like http://127.0.0.1:8000.");
            return new Uri(DefaultUrl);
        }

        if (url.Scheme == "https")
        {
            errors.Add("Urls: https is not served directly; reach aibench through an SSH tunnel or a TLS proxy.");
        }

        if (!IsLoopbackHost(url.Host) && !allowRemote)
        {
            errors.Add($"Urls: '{value}' is not a loopback address; binding beyond this machine needs AllowRemote (serve --allow-remote).");
        }

        return url;
    }

    private static void CheckChildren(IConfigurationSection section, string[] known, List<string> errors)
    {
        foreach (var child in section.GetChildren())
        {
            if (!known.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add($"{child.Path}: unknown setting; expected one of {string.Join(", ", known.Select(k => $"{section.Path}:{k}"))}.");
            }
        }
    }

    private static bool ParseBool(IConfiguration configuration, string key, bool fallback, List<string> errors)
    {
        var text = configuration[key];
        if (text is null)
        {
            return fallback;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        errors.Add($"{key}: '{text}' is not true or false.");
        return fallback;
    }

    private static int ParseInt(IConfiguration configuration, string key, int fallback, int min, int max, List<string> errors)
    {
        var text = configuration[key];
        if (text is null)
        {
            return fallback;
        }

        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        errors.Add($"{key}: '{text}' is not a whole number from {min} to {max}.");
        return fallback;
    }
}

/// <summary>Configuration that cannot be used; each error names its key.</summary>
internal sealed class ConfigurationException(IReadOnlyList<string> errors)
    : Exception("Invalid configuration: " + string.Join(" ", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
