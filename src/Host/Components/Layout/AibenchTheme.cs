using MudBlazor;

namespace Aibench.Host.Components.Layout;

/// <summary>
/// The dashboard's colours. MudBlazor's defaults use pink for "secondary", which the pages use for hints and empty
/// states: pink reads as an error, and on white it fails WCAG's 4.5:1 contrast for text (axe-core's color-contrast
/// rule). Hints are a neutral blue-grey here, and every colour that carries text (chips, alerts, links) keeps 4.5:1
/// against its background in both palettes.
/// </summary>
internal static class AibenchTheme
{
    public static MudTheme Create() => new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#4f3fd0",
            Secondary = "#546e7a",
            SecondaryContrastText = "#ffffff",
            Tertiary = "#00695c",
            Info = "#01579b",
            Success = "#1b6e20",
            Warning = "#8a4b00",
            Error = "#c62828",
            TextSecondary = "rgba(0,0,0,0.66)",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#9d94ff",
            PrimaryContrastText = "#000000",
            Secondary = "#b0bec5",
            SecondaryContrastText = "#000000",
            Tertiary = "#4db6ac",
            Info = "#64b5f6",
            InfoContrastText = "#000000",
            Success = "#66bb6a",
            SuccessContrastText = "#000000",
            Warning = "#ffb74d",
            WarningContrastText = "#000000",
            Error = "#ef5350",
            ErrorContrastText = "#000000",
            // MudBlazor draws text alerts in the "darken" shade: on a dark page that shade must be lighter, not darker.
            InfoDarken = "#90caf9",
            SuccessDarken = "#81c784",
            WarningDarken = "#ffcc80",
            ErrorDarken = "#ef9a9a",
            TextSecondary = "rgba(255,255,255,0.72)",
        },
    };
}
