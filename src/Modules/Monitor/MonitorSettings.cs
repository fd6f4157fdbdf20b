using Aibench.Shared.Modules;
using Microsoft.Extensions.Configuration;

namespace Aibench.Monitor;

/// <summary>How metrics are collected and kept (section <c>Monitor</c>).</summary>
/// <param name="ScrapeSeconds">Seconds between scrapes; divides a minute so the rhythm stays steady.</param>
/// <param name="ScrapeTimeout">Longest wait for one target's answer.</param>
/// <param name="Retention">Samples older than this are deleted.</param>
/// <param name="ScrapeHost">Whether the host's own aibench_* and process_* metrics are stored too.</param>
internal sealed record MonitorSettings(int ScrapeSeconds, TimeSpan ScrapeTimeout, TimeSpan Retention, bool ScrapeHost)
{
    public static readonly string[] Keys = ["ScrapeSeconds", "ScrapeTimeout", "Retention", "ScrapeHost"];
    public static readonly int[] ScrapeChoices = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30];

    public static MonitorSettings Load(IConfiguration configuration, List<string> errors)
    {
        SettingReader.Unknown(configuration.GetSection("Monitor"), Keys, errors);
        var seconds = SettingReader.Int(configuration, "Monitor:ScrapeSeconds", 5, 1, 30, errors);
        if (!ScrapeChoices.Contains(seconds))
        {
            errors.Add($"Monitor:ScrapeSeconds: {seconds} does not divide a minute; expected one of {string.Join(", ", ScrapeChoices)}.");
            seconds = 5;
        }

        // The default waits 3 s, or one interval when scrapes come faster than that.
        var timeout = SettingReader.Time(configuration, "Monitor:ScrapeTimeout", TimeSpan.FromSeconds(Math.Min(3, seconds)), errors);
        if (timeout > TimeSpan.FromSeconds(seconds * 2))
        {
            errors.Add($"Monitor:ScrapeTimeout: {configuration["Monitor:ScrapeTimeout"]} is longer than two scrape intervals ({seconds * 2}s).");
        }

        var retention = SettingReader.Time(configuration, "Monitor:Retention", TimeSpan.FromDays(14), errors);
        if (retention < TimeSpan.FromMinutes(10))
        {
            errors.Add($"Monitor:Retention: {configuration["Monitor:Retention"]} is shorter than 10 minutes.");
        }

        return new MonitorSettings(seconds, timeout, retention, SettingReader.Bool(configuration, "Monitor:ScrapeHost", true, errors));
    }
}
