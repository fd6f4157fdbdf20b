using Aibench.Shared.Modules;
using Microsoft.Extensions.Configuration;

namespace Aibench.Experiments;

/// <summary>How experiments are driven (section <c>Experiments</c>).</summary>
/// <param name="PollSeconds">Seconds between two looks at every running experiment; notifications wake it sooner.</param>
/// <param name="ReadyTimeout">Default wait for the service to be ready (queue time included) before the experiment fails.</param>
/// <param name="Warmup">Default warm-up before the measured load.</param>
/// <param name="CollectDelay">Pause after the load so the last metrics scrape and log lines land before the service stops.</param>
/// <param name="CancelGrace">Longest wait, after a cancel, for the load run to write what it measured.</param>
/// <param name="MaxCampaignElements">Most experiments one campaign may hold (cells × repeats).</param>
internal sealed record ExperimentsSettings(int PollSeconds, TimeSpan ReadyTimeout, TimeSpan Warmup, TimeSpan CollectDelay, TimeSpan CancelGrace,
    int MaxCampaignElements = 100)
{
    public static readonly string[] Keys = ["PollSeconds", "ReadyTimeout", "Warmup", "CollectDelay", "CancelGrace", "MaxCampaignElements"];
    private static readonly int[] PollChoices = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30];

    public static ExperimentsSettings Load(IConfiguration configuration, List<string> errors)
    {
        SettingReader.Unknown(configuration.GetSection("Experiments"), Keys, errors);
        var seconds = SettingReader.Int(configuration, "Experiments:PollSeconds", 2, 1, 30, errors);
        if (!PollChoices.Contains(seconds))
        {
            errors.Add($"Experiments:PollSeconds: {seconds} does not divide a minute; expected one of {string.Join(", ", PollChoices)}.");
            seconds = 2;
        }

        return new ExperimentsSettings(
            seconds,
            SettingReader.Time(configuration, "Experiments:ReadyTimeout", TimeSpan.FromMinutes(30), errors),
            SettingReader.Time(configuration, "Experiments:Warmup", TimeSpan.FromSeconds(10), errors),
            SettingReader.Time(configuration, "Experiments:CollectDelay", TimeSpan.FromSeconds(5), errors),
            SettingReader.Time(configuration, "Experiments:CancelGrace", TimeSpan.FromSeconds(30), errors),
            SettingReader.Int(configuration, "Experiments:MaxCampaignElements", 100, 1, 10_000, errors));
    }
}
