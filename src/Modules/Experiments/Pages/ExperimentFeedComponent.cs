using Aibench.Contracts.Client;
using Aibench.Contracts.Experiments;
using Aibench.Experiments.Features;
using Microsoft.AspNetCore.Components;

namespace Aibench.Experiments.Pages;

/// <summary>
/// A view that follows experiments as they change: stored changes and the load's progress arrive through the
/// <see cref="ExperimentFeed"/> events (no polling) and are applied on the component's own dispatcher.
/// </summary>
public abstract class ExperimentFeedComponent : ComponentBase, IDisposable
{
    [Inject] internal ExperimentFeed Feed { get; set; } = default!;

    private bool _subscribed;

    protected override void OnInitialized()
    {
        Feed.Changed += OnFeedChanged;
        Feed.Progressed += OnFeedProgressed;
        _subscribed = true;
    }

    /// <summary>A stored change of an experiment; the view re-renders afterwards.</summary>
    protected abstract Task ApplyAsync(ExperimentChanged change);

    /// <summary>The load's progress; return true when the view shows this experiment and must re-render.</summary>
    protected virtual bool Apply(BenchmarkProgressed progress) => false;

    private void OnFeedChanged(ExperimentChanged change) => _ = InvokeAsync(async () =>
    {
        try
        {
            await ApplyAsync(change);
            StateHasChanged();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A failed refresh leaves the last state on screen; the next change tries again.
            Failed(e);
        }
    });

    private void OnFeedProgressed(BenchmarkProgressed progress) => _ = InvokeAsync(() =>
    {
        if (Apply(progress))
        {
            StateHasChanged();
        }
    });

    /// <summary>What to do when applying a change failed.</summary>
    protected virtual void Failed(Exception error)
    {
    }

    public void Dispose()
    {
        if (_subscribed)
        {
            Feed.Changed -= OnFeedChanged;
            Feed.Progressed -= OnFeedProgressed;
        }

        GC.SuppressFinalize(this);
    }
}
