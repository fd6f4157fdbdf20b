using Microsoft.AspNetCore.Components;

namespace Aibench.Shared.Components;

/// <summary>
/// A page that follows changing state: it loads once, then again every few seconds, and Blazor Server pushes each
/// change to the browser; no reload needed. The loop stops with the page.
/// </summary>
public abstract class LivePage : ComponentBase, IDisposable
{
    private readonly CancellationTokenSource _stop = new();

    protected virtual TimeSpan RefreshEvery => TimeSpan.FromSeconds(2);

    /// <summary>Reads the page's data; exceptions are the page's to show.</summary>
    protected abstract Task LoadAsync();

    protected override async Task OnInitializedAsync()
    {
        await LoadAsync();
        _ = FollowAsync();
    }

    private async Task FollowAsync()
    {
        using var timer = new PeriodicTimer(RefreshEvery);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                await InvokeAsync(async () =>
                {
                    await LoadAsync();
                    StateHasChanged();
                });
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }
}
