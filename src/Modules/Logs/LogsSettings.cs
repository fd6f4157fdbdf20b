using Aibench.Shared.Modules;
using Microsoft.Extensions.Configuration;

namespace Aibench.Logs;

/// <summary>Settings of the Logs module (section <c>Logs</c>); the one place that knows which keys exist.</summary>
/// <param name="Retention">Lines collected longer ago than this are deleted (to within an hour).</param>
/// <param name="MaxSize">Most characters of line text kept; beyond it the oldest lines go first.</param>
/// <param name="Loki">The optional forwarder.</param>
internal sealed record LogsSettings(TimeSpan Retention, long MaxSize, LokiSettings Loki)
{
    /// <summary>Known keys directly under <c>Logs</c>; a new setting of the module is added here.</summary>
    public static readonly string[] Keys = ["Retention", "MaxSize", "Loki"];

    public static LogsSettings Load(IConfiguration configuration, List<string> errors)
    {
        SettingReader.Unknown(configuration.GetSection("Logs"), Keys, errors);
        var retention = SettingReader.Time(configuration, "Logs:Retention", TimeSpan.FromDays(30), errors);
        if (retention < TimeSpan.FromHours(1))
        {
            // Shorter would delete lines of services still being read (ended ones are read for ten more minutes).
            errors.Add($"Logs:Retention: {configuration["Logs:Retention"]} is shorter than 1h.");
            retention = TimeSpan.FromDays(30);
        }

        var size = SettingReader.Size(configuration, "Logs:MaxSize", 2_000_000_000, 1_000_000, errors);
        return new LogsSettings(retention, size, LokiSettings.Load(configuration, errors));
    }
}

/// <summary>The optional Loki forwarder (section <c>Logs:Loki</c>).</summary>
/// <param name="Url">Loki's base address; null turns the forwarder off.</param>
/// <param name="BatchSize">Most lines sent in one push.</param>
/// <param name="Interval">How often new lines are looked for.</param>
/// <param name="TenantId">Sent as X-Scope-OrgID when Loki runs multi-tenant.</param>
/// <param name="ForwardHostLogs">Whether the host's own log events go to Loki too.</param>
internal sealed record LokiSettings(Uri? Url, int BatchSize, TimeSpan Interval, string? TenantId, bool ForwardHostLogs)
{
    public const string Section = "Logs:Loki";
    public static readonly string[] Keys = ["Url", "BatchSize", "Interval", "TenantId", "ForwardHostLogs"];

    public bool Enabled => Url is not null;

    public static LokiSettings Load(IConfiguration configuration, List<string> errors)
    {
        SettingReader.Unknown(configuration.GetSection(Section), Keys, errors);
        Uri? url = null;
        var text = configuration[$"{Section}:Url"];
        if (!string.IsNullOrWhiteSpace(text))
        {
            if (Uri.TryCreate(text.Trim(), UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https"
                && string.IsNullOrEmpty(parsed.Query))
            {
                // A trailing slash, so that a Loki behind a path prefix keeps it when the push path is appended.
                url = parsed.AbsolutePath.EndsWith('/') ? parsed : new Uri(parsed.AbsoluteUri + "/");
            }
            else
            {
                errors.Add($"{Section}:Url: '{text}' is not an http(s) address like http://loki:3100.");
            }
        }

        var batch = SettingReader.Int(configuration, $"{Section}:BatchSize", 1000, 1, 10_000, errors);
        var interval = SettingReader.Time(configuration, $"{Section}:Interval", TimeSpan.FromSeconds(1), errors);
        if (interval < TimeSpan.FromMilliseconds(100) || interval > TimeSpan.FromSeconds(30))
        {
            errors.Add($"{Section}:Interval: {configuration[$"{Section}:Interval"]} is not between 100ms and 30s.");
            interval = TimeSpan.FromSeconds(1);
        }

        var tenant = configuration[$"{Section}:TenantId"];
        if (tenant is not null && (tenant.Length == 0 || tenant.Length > 150 || tenant.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))))
        {
            errors.Add($"{Section}:TenantId: '{tenant}' is not a tenant id (1 to 150 printable characters, no spaces).");
            tenant = null;
        }

        var host = SettingReader.Bool(configuration, $"{Section}:ForwardHostLogs", false, errors);
        if (host && url is null && string.IsNullOrWhiteSpace(text))
        {
            errors.Add($"{Section}:ForwardHostLogs: true needs {Section}:Url.");
        }

        return new LokiSettings(url, batch, interval, tenant, host);
    }
}
