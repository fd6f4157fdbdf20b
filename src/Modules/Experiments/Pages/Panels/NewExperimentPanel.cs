using Microsoft.AspNetCore.Components;

namespace Aibench.Experiments.Pages.Panels;

/// <summary>A part of the new-experiment form: it edits the shared <see cref="NewExperimentForm"/> and tells the page, which previews
/// again.</summary>
public abstract class NewExperimentPanel : ComponentBase
{
    [Parameter, EditorRequired] public NewExperimentForm Form { get; set; } = null!;

    /// <summary>Told after each change, so that the page can ask for a new preview.</summary>
    [Parameter] public EventCallback Changed { get; set; }

    protected Task Set(Action change)
    {
        change();
        return Changed.InvokeAsync();
    }
}
